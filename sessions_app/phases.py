"""Where a campaign is in its year: 筹备中 / 进行中 / 收尾 / 已结束.

Derived from the campaign's own dates where they say it, set by staff (`Campaign.phase_override`)
where they cannot: a campaign without capture days, or one closed early. Several campaigns are
alive at once (last year's retakes, this year's verification, next year's preparation), so pages
pick a campaign by phase, never by "the newest".
"""

import datetime
from collections.abc import Iterable

from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.calendar import add_working_days
from core.errors import CodedError
from core.words import Words

from .models import Campaign, Phase, Slot, WindowUnit, parse_capture_dates

__all__ = [
    "PHASE_RANK",
    "CampaignClosed",
    "Phase",
    "campaign_phase",
    "campaign_phases",
    "erase_after",
    "is_closed",
    "last_deadline",
    "refuse_messages_if_closed",
]

# Which campaign a page opens on when nobody chose one: the one in progress, else the one
# finishing its retakes, else the one being prepared; a closed one only when nothing else is.
PHASE_RANK = {Phase.LIVE: 0, Phase.CLOSING: 1, Phase.PREPARING: 2, Phase.CLOSED: 3}


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
    return _derived(campaign, capture_days(campaign), today or timezone.localdate())


def _derived(campaign, days: list[datetime.date], today: datetime.date) -> Phase:
    """The phase from the dates alone; `days` needs only the first and the last capture day."""
    if not days or today < days[0]:
        return Phase.PREPARING
    if today <= verification_end(campaign, days[-1]):
        return Phase.LIVE
    end = last_deadline(campaign, days=days)
    if end is not None and today <= end:
        return Phase.CLOSING
    return Phase.CLOSED


def campaign_phases(campaigns: Iterable[Campaign], *, today: datetime.date | None = None) -> dict[int, Phase]:
    """Each campaign's phase by id, in one query whatever their number (the switcher, the beat);
    in none when they come from `with_capture_span`."""
    campaigns = list(campaigns)
    today = today or timezone.localdate()
    if all(hasattr(c, "first_day") for c in campaigns):
        spans = {c.pk: [c.first_day, c.last_day] for c in campaigns if c.first_day is not None}
    else:
        spans = {
            row["group__campaign_id"]: [row["first"], row["last"]]
            for row in Slot.objects.filter(group__campaign__in=[c.pk for c in campaigns])
            .order_by()
            .values("group__campaign_id")
            .annotate(first=Min("date"), last=Max("date"))
        }
    phases = {}
    for campaign in campaigns:
        if campaign.phase_override:
            phases[campaign.pk] = Phase(campaign.phase_override)
            continue
        days = spans.get(campaign.pk)
        if days is None:
            try:
                days = parse_capture_dates(campaign.capture_dates)
            except ValueError:
                days = []
        phases[campaign.pk] = _derived(campaign, days, today)
    return phases


def with_capture_span(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The campaigns with their first and last slot day, so `campaign_phases` needs no query."""
    return campaigns.annotate(first_day=Min("groups__slots__date"), last_day=Max("groups__slots__date"))


def open_campaigns(*, today: datetime.date | None = None) -> list[Campaign]:
    """The campaigns that may still message people: every one that is not closed."""
    campaigns = list(with_capture_span(Campaign.objects.order_by("pk")))
    phases = campaign_phases(campaigns, today=today)
    return [c for c in campaigns if phases[c.pk] != Phase.CLOSED]


WORDS = Words(
    {
        "campaign_closed": gettext_lazy(
            "“%(name)s”已结束（已过最后一个截止日期，或由教务处设为已结束），不再向任何人发送提醒或群发消息"
        ),
    },
    name="sessions_app.phases",
)


class CampaignClosed(CodedError):
    CODE = "campaign_closed"
    words = WORDS


def refuse_messages_if_closed(campaign, *, today: datetime.date | None = None) -> None:
    """A closed campaign messages nobody: its graduates left years ago, and what they were told
    to do can no longer be done. Every reminder, bulk message and "remind now" asks here first."""
    if is_closed(campaign, today=today):
        raise CampaignClosed.of(CampaignClosed.CODE, name=campaign.name, campaign=campaign.code)


def is_closed(campaign, *, today: datetime.date | None = None) -> bool:
    return campaign_phase(campaign, today=today) == Phase.CLOSED
