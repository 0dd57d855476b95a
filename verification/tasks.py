"""Beat entry points. Each takes ids, is idempotent through the notification key, and only
calls services; a rerun or a second beat process records and sends nothing new."""

import datetime

from celery import shared_task
from django.utils import timezone

from core.taskbase import BaseTask
from sessions_app.models import Campaign
from sessions_app.phases import CampaignClosed, open_campaigns

from . import reminders

_LIMITS = {"time_limit": 900, "soft_time_limit": 840}


def _day(value: str | None) -> datetime.date | None:
    # Beat passes nothing (today in Asia/Shanghai); a rerun for a given day passes it explicitly.
    return datetime.date.fromisoformat(value) if value else None


def _fan_out(child, today: str | None) -> int:
    """One child per campaign that is not closed (a closed one messages nobody), all told the day
    the fan-out started: a queue backed up past midnight must not move a reminder to the next day's step."""
    day = today or timezone.localdate().isoformat()
    ids = [c.pk for c in open_campaigns(today=datetime.date.fromisoformat(day))]
    for campaign_id in ids:
        child.delay(campaign_id, day)
    return len(ids)


@shared_task(base=BaseTask, name="verification.verification_reminders", **_LIMITS)
def verification_reminders(campaign_id: int, today: str | None = None) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    try:
        return dict(reminders.send_verification_reminders(campaign=campaign, today=_day(today)).counts)
    except CampaignClosed:  # closed since the fan-out: it messages nobody
        return {}


@shared_task(base=BaseTask, name="verification.slot_reminders", **_LIMITS)
def slot_reminders(campaign_id: int, today: str | None = None) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    try:
        return dict(reminders.send_slot_reminders(campaign=campaign, today=_day(today)).counts)
    except CampaignClosed:  # closed since the fan-out: it messages nobody
        return {}


@shared_task(base=BaseTask, name="verification.overdue_digests", **_LIMITS)
def overdue_digests(campaign_id: int, today: str | None = None) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    try:
        return dict(reminders.send_overdue_digests(campaign=campaign, today=_day(today)).counts)
    except CampaignClosed:  # closed since the fan-out: it messages nobody
        return {}


@shared_task(base=BaseTask, name="verification.verification_reminders_all", **_LIMITS)
def verification_reminders_all(today: str | None = None) -> int:
    return _fan_out(verification_reminders, today)


@shared_task(base=BaseTask, name="verification.slot_reminders_all", **_LIMITS)
def slot_reminders_all(today: str | None = None) -> int:
    return _fan_out(slot_reminders, today)


@shared_task(base=BaseTask, name="verification.overdue_digests_all", **_LIMITS)
def overdue_digests_all(today: str | None = None) -> int:
    return _fan_out(overdue_digests, today)
