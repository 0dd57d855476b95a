"""The message registry: a notification stores a code and JSON data; the words are made here.

An app registers what each of its codes says (`@register_message("retake.due")`, in its
AppConfig.ready()), so a stored message is rendered in the reader's language when the inbox is
shown, and in the portal's language when an e-mail or SMS is sent; nothing persisted is a sentence
that a second language or a rename would leave behind. Nothing here imports a model.
"""

import json
import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from core.words import Words

CODE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")

# data -> (title, body)
Render = Callable[[dict], tuple[str, str]]

# code -> render(data) -> (title, body): one core.words registry whose words have two parts.
MESSAGES = Words(name="notifications.messages")
# What a notification's kind and step are called (the admin shows these, not the codes).
KINDS = Words(name="notifications.kinds")
STEPS = Words(name="notifications.steps")


def register_kind(kind: str, label, *, steps: dict | None = None) -> None:
    """`register_kind("retake_due", _("补拍截止提醒"), steps={"submitted": _("已提交")})`."""
    KINDS.add(kind, label)
    for step, step_words in (steps or {}).items():
        STEPS.add(step, step_words)


def kind_label(kind: str) -> str:
    return KINDS.text(kind)


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((k, KINDS.text(k)) for k in KINDS.codes()), key=lambda pair: pair[1])


def step_label(step: str) -> str:
    """d-7 (days before a deadline) and dates read as they are; the named steps by their label."""
    if step in STEPS:
        return STEPS.text(step)
    if step.startswith("d-") and step[2:].isdigit():
        return _("截止前 %(n)s 天") % {"n": step[2:]}
    if step == "overdue":
        return _("已逾期")
    return step


def register_message(code: str, *, example: dict | None = None) -> Callable[[Render], Render]:
    """`example`: the data the test that walks every registry renders the message with."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"message code must be dotted lowercase: {code!r}")

    def decorate(render: Render) -> Render:
        MESSAGES.add(code, render, example=example)
        return render

    return decorate


def is_registered(code: str) -> bool:
    return code in MESSAGES


def registered_codes() -> list[str]:
    """Every message code the apps registered (each may need an SMS template)."""
    return MESSAGES.codes()


def plain_data(data: dict) -> dict:
    """The data as stored: JSON's own types only (a lazy translation or a date here is a bug)."""
    try:
        return json.loads(json.dumps(data))
    except TypeError as exc:
        raise TypeError(f"message data must be plain JSON values: {exc}") from None


def render(code: str, data: dict | None) -> tuple[str, str]:
    """(title, body) in the active language; a message whose code or data no longer fits is shown
    as the registry's plain sentence (the code is logged) rather than failing the page."""
    parts = MESSAGES.words(code, data or {})
    if parts is None:
        return MESSAGES.fallback_text(), ""
    title, body = parts
    return str(title), str(body)
