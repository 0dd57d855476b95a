"""The audit actions' registry: codes in, words out (see accounts.audit for the why).

Kept apart from accounts.audit (which writes rows) so the model can render itself without an
import cycle: nothing here imports a model.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

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


def register_action(code: str, label, *, refs: dict[str, str] | None = None) -> Callable[[Display], Display]:
    """Decorator: `@register_action("capture.undo", _("撤销采集"), refs={"student_id": "student"})`."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"audit action code must be dotted lowercase: {code!r}")

    def decorate(display: Display) -> Display:
        _ACTIONS[code] = AuditAction(code, label, display, refs or {})
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
        # An action whose app is gone: show the code rather than fail the whole page.
        return event.action, ""
    data = event.data or {}
    resolved = {}
    for key, kind in action.refs.items():
        value = data.get(key)
        resolved[key] = names.get(kind, {}).get(value) or (_("（无）") if value is None else f"#{value}")
    try:
        summary = action.display(data, resolved)
    except (KeyError, TypeError, ValueError):
        summary = ""
    return str(action.label), summary
