"""The audit actions' registry: codes in, words out (see accounts.audit for the why).

Kept apart from accounts.audit (which writes rows) so the model can render itself without an
import cycle: nothing here imports a model.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.words import Words

CODE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")

# (data, names) -> the summary; names[key] is the looked-up name of the reference under data[key].
Display = Callable[[dict, dict], str]
Loader = Callable[[set[int]], dict[int, str]]


@dataclass(frozen=True)
class AuditAction:
    code: str
    label: Any  # a lazy translation: what the action is called in the list ("撤销采集")
    display: Display
    refs: dict[str, str] = field(default_factory=dict)  # data key -> reference kind


_ACTIONS: dict[str, AuditAction] = {}
_LOADERS: dict[str, Loader] = {}
# The words of the actions (core.words): what each is called, and its summary made from
# {"data": the row's data, "names": the looked-up names of its references}.
LABELS = Words(name="accounts.audit labels")
SUMMARIES = Words(name="accounts.audit summaries", fallback="")


def register_action(
    code: str, label, *, refs: dict[str, str] | None = None, example: dict | None = None
) -> Callable[[Display], Display]:
    """Decorator: `@register_action("capture.undo", _("撤销采集"), refs={"student_id": "student"})`.

    `example`: the data the test that walks every registry renders the summary with.
    """
    if not CODE_PATTERN.match(code):
        raise ValueError(f"audit action code must be dotted lowercase: {code!r}")

    def decorate(display: Display) -> Display:
        _ACTIONS[code] = AuditAction(code, label, display, refs or {})
        LABELS.add(code, label)
        SUMMARIES.add(
            code,
            lambda p: display(p["data"], p["names"]),
            example={"data": example or {}, "names": {key: "#1" for key in refs or {}}},
        )
        return display

    return decorate


def register_reference(kind: str, loader: Loader) -> None:
    """`loader(ids)` returns {id: name} for the ids that still exist, in one query."""
    _LOADERS[kind] = loader


def action_for(code: str) -> AuditAction | None:
    return _ACTIONS.get(code)


def action_choices() -> list[tuple[str, Any]]:
    return sorted(((a.code, a.label) for a in _ACTIONS.values()), key=lambda pair: pair[0])


def describe(events: Iterable) -> list:
    """Give every event its `action_label` and `summary`, with one query per kind of reference."""
    events = list(events)
    wanted: dict[str, set[int]] = {}
    for event in events:
        action = _ACTIONS.get(event.action)
        for key, kind in action.refs.items() if action else ():
            value = (event.data or {}).get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                wanted.setdefault(kind, set()).add(value)
    names = {kind: _LOADERS[kind](ids) if kind in _LOADERS else {} for kind, ids in wanted.items()}
    for event in events:
        event._display = _render(event, names)
    return events


def _render(event, names: dict[str, dict[int, str]]) -> tuple[str, str]:
    action = _ACTIONS.get(event.action)
    if action is None:
        # An action whose app is gone: a plain sentence (the code is logged), not a failed page.
        return LABELS.text(event.action), ""
    data = event.data or {}
    resolved = {}
    for key, kind in action.refs.items():
        value = data.get(key)
        resolved[key] = names.get(kind, {}).get(value) or (_("（无）") if value is None else f"#{value}")
    return LABELS.text(event.action), SUMMARIES.text(event.action, {"data": data, "names": resolved})
