"""The message registry: a notification stores a code and JSON data; the words are made here.

An app registers what each of its codes says (`@register_message("retake.due")`, in its
AppConfig.ready()), so a stored message is rendered in the reader's language when the inbox is
shown, and in the portal's language when an e-mail or SMS is sent; nothing persisted is a sentence
that a second language or a rename would leave behind. Nothing here imports a model.
"""

import json
import logging
import re
from collections.abc import Callable

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")

# data -> (title, body)
Render = Callable[[dict], tuple[str, str]]

_MESSAGES: dict[str, Render] = {}
# What a notification's kind and step are called (the admin shows these, not the codes).
_KINDS: dict[str, object] = {}
_STEPS: dict[str, object] = {}


def register_kind(kind: str, label, *, steps: dict | None = None) -> None:
    """`register_kind("retake_due", _("补拍截止提醒"), steps={"submitted": _("已提交")})`."""
    _KINDS[kind] = label
    _STEPS.update(steps or {})


def kind_label(kind: str) -> str:
    return str(_KINDS.get(kind, kind))


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((k, str(v)) for k, v in _KINDS.items()), key=lambda pair: pair[1])


def step_label(step: str) -> str:
    """d-7 (days before a deadline) and dates read as they are; the named steps by their label."""
    if step in _STEPS:
        return str(_STEPS[step])
    if step.startswith("d-") and step[2:].isdigit():
        return _("截止前 %(n)s 天") % {"n": step[2:]}
    if step == "overdue":
        return _("已逾期")
    return step


def register_message(code: str) -> Callable[[Render], Render]:
    if not CODE_PATTERN.match(code):
        raise ValueError(f"message code must be dotted lowercase: {code!r}")

    def decorate(render: Render) -> Render:
        _MESSAGES[code] = render
        return render

    return decorate


def is_registered(code: str) -> bool:
    return code in _MESSAGES


def registered_codes() -> list[str]:
    """Every message code the apps registered (each may need an SMS template)."""
    return sorted(_MESSAGES)


def plain_data(data: dict) -> dict:
    """The data as stored: JSON's own types only (a lazy translation or a date here is a bug)."""
    try:
        return json.loads(json.dumps(data))
    except TypeError as exc:
        raise TypeError(f"message data must be plain JSON values: {exc}") from None


def render(code: str, data: dict | None) -> tuple[str, str]:
    """(title, body) in the active language; a message whose code or data no longer fits is shown
    by its code rather than failing the page."""
    renderer = _MESSAGES.get(code)
    if renderer is None:
        return code, ""
    try:
        title, body = renderer(data or {})
    except (KeyError, TypeError, ValueError):
        logger.warning("notification %s: data does not fit its message", code)
        return code, ""
    return str(title), str(body)
