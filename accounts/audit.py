"""The one way to write the audit trail."""

from typing import Any

from .models import AuditEvent


def record_event(
    *,
    actor,
    action: str,
    summary: str,
    campaign=None,
    obj: Any = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        campaign=campaign,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        data=data or {},
    )
