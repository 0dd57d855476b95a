"""The one way to write the audit trail (the registry that turns rows into words: audit_registry).

A row stores a dotted action code (`capture.undo`) and a JSON `data` payload; what a reader
sees is made at display time, in the reader's language, by the action's display function
(pretix's LogEntry does the same). Each app registers its own actions in its AppConfig.ready(),
so accounts knows no app above it.

Names of other rows (a student's number, a slot's label) are looked up when shown, in one query
per kind for a whole page of rows: an action declares which `data` keys are references.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType

from core.rows import RowBatch

from .audit_registry import (  # noqa: F401  (the public names of the audit trail, in one place)
    _ACTIONS,
    CODE_PATTERN,
    AuditAction,
    action_choices,
    action_for,
    describe,
    register_action,
    register_reference,
)
from .models import AuditEvent


def _plain(value):
    """A copy in JSON's own types; a lazy translation or a model instance here was a 500 once."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):  # also a TextChoices member: stored as its plain value
        return str.__str__(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {str.__str__(k): _plain(v) for k, v in value.items()}
    raise TypeError(f"not a plain JSON value: {value!r} ({type(value).__name__})")


def record_event(
    *, actor, action: str, campaign=None, obj: Any = None, data: dict | None = None, batch: RowBatch | None = None
) -> AuditEvent | None:
    """The event, written now; or with `batch` (the desk swipe's), added to it: written when the
    batch is flushed in the same transaction, and None returned."""
    if action not in _ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}: register it with accounts.audit.register_action")
    values = {
        "actor": actor if getattr(actor, "pk", None) else None,
        "action": action,
        "campaign": campaign,
        "content_type": ContentType.objects.get_for_model(obj) if obj is not None else None,
        "object_id": str(obj.pk) if obj is not None else "",
        "data": _plain(data or {}),
    }
    if batch is not None:
        batch.add(AuditEvent, **values)
        return None
    return AuditEvent.objects.create(**values)
