"""Beat entry points. Each takes ids, is idempotent through the notification key, and only
calls services; a rerun or a second beat process records and sends nothing new."""

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from sessions_app.models import Campaign

from . import reminders

_COMMON = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "time_limit": 900,
    "soft_time_limit": 840,
}


def _day(value: str | None) -> datetime.date | None:
    # Beat passes nothing (today in Asia/Shanghai); a rerun for a given day passes it explicitly.
    return datetime.date.fromisoformat(value) if value else None


def _active_campaign_ids() -> list[int]:
    return list(Campaign.objects.filter(is_active=True).values_list("id", flat=True))


@shared_task(name="verification.verification_reminders", **_COMMON)
def verification_reminders(campaign_id: int, today: str | None = None) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    return dict(reminders.send_verification_reminders(campaign=campaign, today=_day(today)).counts)


@shared_task(name="verification.slot_reminders", **_COMMON)
def slot_reminders(campaign_id: int, today: str | None = None) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    return dict(reminders.send_slot_reminders(campaign=campaign, today=_day(today)).counts)


@shared_task(name="verification.overdue_digests", **_COMMON)
def overdue_digests(campaign_id: int, today: str | None = None) -> dict:
    campaign = Campaign.objects.get(pk=campaign_id)
    return dict(reminders.send_overdue_digests(campaign=campaign, today=_day(today)).counts)


@shared_task(name="verification.verification_reminders_all", **_COMMON)
def verification_reminders_all() -> int:
    ids = _active_campaign_ids()
    for campaign_id in ids:
        verification_reminders.delay(campaign_id)
    return len(ids)


@shared_task(name="verification.slot_reminders_all", **_COMMON)
def slot_reminders_all() -> int:
    ids = _active_campaign_ids()
    for campaign_id in ids:
        slot_reminders.delay(campaign_id)
    return len(ids)


@shared_task(name="verification.overdue_digests_all", **_COMMON)
def overdue_digests_all() -> int:
    ids = _active_campaign_ids()
    for campaign_id in ids:
        overdue_digests.delay(campaign_id)
    return len(ids)
