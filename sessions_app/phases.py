"""Where a campaign is in its year: 筹备中 / 进行中 / 收尾 / 已结束.

Derived from the campaign's own dates where they say it, set by staff (`Campaign.phase_override`)
where they cannot: a campaign without capture days, or one closed early. Several campaigns are
alive at once (last year's retakes, this year's verification, next year's preparation), so pages
pick a campaign by phase, never by "the newest".
"""

import datetime

from django.utils import timezone

from core.calendar import add_working_days

from .models import Phase, Slot, WindowUnit, parse_capture_dates

__all__ = ["Phase", "campaign_phase", "erase_after", "is_closed", "last_deadline"]


def capture_days(campaign) -> list[datetime.date]:
    """The days it photographs: its slots' days, else the notice's listed dates."""
    days = sorted(set(Slot.objects.filter(group__campaign=campaign).values_list("date", flat=True)))
    if days:
        return days
    try:
        return parse_capture_dates(campaign.capture_dates)
    except ValueError:
        return []


def verification_end(campaign, last_capture_day: datetime.date) -> datetime.date:
    """The CHSI due date of a student photographed on the last day (the same rule as
    `verification.services.due_date_for`, which sits above this app)."""
    if campaign.verification_window_unit == WindowUnit.WORKING_DAYS:
        return add_working_days(last_capture_day, campaign.verification_window)
    return last_capture_day + datetime.timedelta(days=campaign.verification_window)


def last_deadline(campaign, *, days: list[datetime.date] | None = None) -> datetime.date | None:
    """The campaign's last deadline: CHSI verification, retakes or remittance, whichever is
    latest. None while it has no capture day (nothing to count from)."""
    days = capture_days(campaign) if days is None else days
    if not days:
        return None
    ends = [verification_end(campaign, days[-1])]
    ends += [d for d in (campaign.retake_deadline, campaign.remittance_deadline) if d]
    return max(ends)


def erase_after(campaign) -> datetime.date | None:
    """The first day its personal data may no longer be kept (PIPL art. 19/47)."""
    end = last_deadline(campaign)
    return None if end is None else end + datetime.timedelta(days=campaign.retention_days)


def campaign_phase(campaign, *, today: datetime.date | None = None) -> Phase:
    if campaign.phase_override:
        return Phase(campaign.phase_override)
    today = today or timezone.localdate()
    days = capture_days(campaign)
    if not days or today < days[0]:
        return Phase.PREPARING
    if today <= verification_end(campaign, days[-1]):
        return Phase.LIVE
    end = last_deadline(campaign, days=days)
    if end is not None and today <= end:
        return Phase.CLOSING
    return Phase.CLOSED


def is_closed(campaign, *, today: datetime.date | None = None) -> bool:
    return campaign_phase(campaign, today=today) == Phase.CLOSED
