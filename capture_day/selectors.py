"""Reads for the desk: where a slot stands against the clock, and which slot of its group runs now."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from sessions_app.models import Slot

BEFORE, RUNNING, AFTER = "before", "running", "after"


def _at(date: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, time))


def slot_state(slot: Slot, now: datetime.datetime) -> str:
    """BEFORE, RUNNING or AFTER: the slot's times read in Asia/Shanghai (the portal's zone)."""
    if now < _at(slot.date, slot.start_time):
        return BEFORE
    return RUNNING if now < _at(slot.date, slot.end_time) else AFTER


@dataclass(frozen=True)
class DeskTiming:
    state: str
    slot: Slot
    running: Slot | None  # the group's slot that runs now, when it is not this one
    next: Slot | None  # when none runs: the group's next slot today, when it is not this one


def desk_timing(slot: Slot, *, now: datetime.datetime | None = None) -> DeskTiming:
    """This slot against the clock and its group's slots today (one query)."""
    now = timezone.localtime(now)
    state = slot_state(slot, now)
    today = list(Slot.objects.filter(group_id=slot.group_id, date=now.date()).order_by("start_time"))
    running = next((s for s in today if slot_state(s, now) == RUNNING), None)
    upcoming = next((s for s in today if slot_state(s, now) == BEFORE), None) if running is None else None
    return DeskTiming(
        state=state,
        slot=slot,
        running=running if running is not None and running.pk != slot.pk else None,
        next=upcoming if upcoming is not None and upcoming.pk != slot.pk else None,
    )
