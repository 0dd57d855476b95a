"""Next year's campaign from this year's: the yearly job in one step.

Campuses and locations belong to the university, not to a campaign, so the copy shares them;
everything that hangs off a campaign (its parameters, capture groups, slots and their
audiences) is copied, and every date moves by the same number of days so that the copied
schedule keeps its shape (a second capture day stays one day after the first, the remittance
deadline stays four days after the shoot). The roster is not copied: a new cohort is imported.
"""

import datetime

from django.db import IntegrityError, transaction

from accounts.audit import record_event
from core.errors import CodedError

from .models import Audience, Campaign, CaptureGroup, Slot
from .refusals import CLONE

# Parameters copied as they are; dates are shifted separately, the rest is new per campaign.
COPIED_FIELDS = (
    "level",
    "fee_per_person",
    "verification_window",
    "verification_window_unit",
    "identification_methods",
    "rules",
    "what_to_bring",
    "contact_name",
    "contact_phone",
    "retake_centre_address",
    "online_channel_name",
    "chsi_url",
    "desk_window_days",
    "photo_backgrounds",
    "unit_per_hour",
    "unit_per_day",
    "retention_days",
)
SHIFTED_DATES = ("remittance_deadline", "retake_deadline")
# Made new for each campaign (tests/sessions_app/test_cloning.py fails on a Campaign field in none
# of these three lists, so a field added later is not silently left at its default).
# A phase set by hand says where that campaign stood, not where its successor starts.
NOT_COPIED = ("id", "code", "name", "capture_dates", "created_at", "phase_override")


# A capture day outside these years is a typing slip (0001, 9999-12-31), and moving every date of
# the schedule by that many days runs past the calendar's end: refused before anything is made.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class CloneError(CodedError):
    """Raised as `CloneError.of(code, **params)`; its words are in refusals.CLONE."""

    words = CLONE


def first_capture_day(campaign: Campaign) -> datetime.date | None:
    return Slot.objects.filter(group__campaign=campaign).order_by("date").values_list("date", flat=True).first()


def _shift(value: datetime.date | None, days: int) -> datetime.date | None:
    return value + datetime.timedelta(days=days) if value is not None else None


def clone_campaign(*, source: Campaign, code: str, name: str, capture_day: datetime.date, actor) -> Campaign:
    """A new campaign with `source`'s parameters and schedule, its first capture day on `capture_day`."""
    if actor is not None and not actor.is_academic_staff:
        raise CloneError.of("staff_only")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise CloneError.of("missing")
    if not EARLIEST_YEAR <= capture_day.year <= LATEST_YEAR:
        raise CloneError.of("bad_year", year=capture_day.year, first=EARLIEST_YEAR, last=LATEST_YEAR)
    if Campaign.objects.filter(code=code).exists():
        raise CloneError.of("code_taken", code=code)
    start = first_capture_day(source)
    days = (capture_day - start).days if start is not None else 0
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                code=code,
                name=name,
                capture_dates=capture_day.isoformat(),
                **{f: getattr(source, f) for f in COPIED_FIELDS},
                **{f: _shift(getattr(source, f), days) for f in SHIFTED_DATES},
            )
            counts = _copy_schedule(source=source, target=campaign, days=days)
            record_event(
                actor=actor,
                action="campaign.clone",
                campaign=campaign,
                obj=campaign,
                data={"source": source.code, "code": code, "capture_day": capture_day.isoformat(), **counts},
            )
    except IntegrityError:
        raise CloneError.of("code_taken", code=code) from None
    return campaign


def _copy_schedule(*, source: Campaign, target: Campaign, days: int) -> dict:
    groups = list(CaptureGroup.objects.filter(campaign=source).order_by("sort_order", "pk"))
    new_groups = CaptureGroup.objects.bulk_create(
        [
            CaptureGroup(
                campaign=target,
                name=g.name,
                location_id=g.location_id,
                sort_order=g.sort_order,
                photographer_units=g.photographer_units,
            )
            for g in groups
        ]
    )
    group_map = {old.pk: new for old, new in zip(groups, new_groups, strict=True)}
    slots = list(Slot.objects.filter(group__campaign=source).order_by("pk"))
    new_slots = Slot.objects.bulk_create(
        [
            Slot(group=group_map[s.group_id], date=_shift(s.date, days), start_time=s.start_time, end_time=s.end_time)
            for s in slots
        ]
    )
    slot_map = {old.pk: new for old, new in zip(slots, new_slots, strict=True)}
    audiences = Audience.objects.filter(slot__group__campaign=source).order_by("pk")
    new_audiences = Audience.objects.bulk_create(
        [
            Audience(
                slot=slot_map[a.slot_id],
                college_id=a.college_id,
                campus_id=a.campus_id,
                level=a.level,
                sequence=a.sequence,
                label=a.label,
            )
            for a in audiences
        ]
    )
    return {"groups": len(new_groups), "slots": len(new_slots), "audiences": len(new_audiences)}
