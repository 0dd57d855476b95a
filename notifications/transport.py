"""What a send hands a provider and what comes back: shared by every channel's backend.

A backend answers a send in one of three ways, and the delivery records which:
- a `Receipt` (the provider accepted it, with its own message id);
- `SendFailed(code, transient=...)`: the provider said no, or the request never left this
  machine; only a transient code is tried again;
- `OutcomeUnknown`: the request may have reached the provider (a read time-out, a connection
  dropped after the request was written). That delivery is never sent again blindly.
A backend that can ask the provider whether a send with a given de-duplication key arrived has a
`lookup(message)` method returning a `Lookup`.
"""

import dataclasses
import enum
from typing import Any


@dataclasses.dataclass(frozen=True)
class TemplateCall:
    template_code: str
    params: tuple[tuple[str, str], ...]  # (name, value) in the template's order


@dataclasses.dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    channel: str
    address: str
    dedup_key: str
    code: str
    data: dict[str, Any]
    title: str
    body: str
    link: str
    template: TemplateCall | None = None
    # When the interrupted send was claimed (lookup narrows its search to that day).
    claimed_at: Any = None


@dataclasses.dataclass(frozen=True)
class Receipt:
    provider: str
    message_id: str = ""


class SendFailed(Exception):
    def __init__(self, code: str, detail: str = "", *, transient: bool = False):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.transient = transient


class OutcomeUnknown(Exception):
    """The request may have reached the provider; nothing says whether it was accepted."""


class Found(enum.Enum):
    YES = "yes"
    NO = "no"
    CANNOT_TELL = "cannot_tell"


@dataclasses.dataclass(frozen=True)
class Lookup:
    found: Found
    message_id: str = ""


# Words in a network error that prove the request never reached the server: only then is a
# failed call safe to repeat. Anything else (a read time-out, a reset) may have been accepted.
_NOT_CONNECTED = (
    "Failed to establish a new connection",
    "Connection refused",
    "ConnectTimeout",
    "Connect timeout",
    "Name or service not known",
    "NameResolutionError",
    "nodename nor servname",
)


def network_failure(detail: str) -> Exception:
    """A transport error as SendFailed (never connected: safe to retry) or OutcomeUnknown."""
    if any(words in detail for words in _NOT_CONNECTED):
        return SendFailed("transport", detail[:300], transient=True)
    return OutcomeUnknown(detail[:300])
