"""Celery tasks: thin wrappers around services; they take ids and are safe to run twice."""

import datetime

from celery import current_app, shared_task
from django.utils import timezone

from core.taskbase import BaseTask
from sessions_app.models import Campaign
from sessions_app.phases import CampaignClosed, open_campaigns

from . import reminders, services


def _follow_up(delivery_id: int, result: services.SendResult) -> None:
    # Eager mode (demo, tests) has no timer to wait on; the sweeper retries there.
    if result.retry_in is not None and not current_app.conf.task_always_eager:
        send_delivery.apply_async((delivery_id,), countdown=result.retry_in)


@shared_task(base=BaseTask, name=services.SEND_DELIVERIES_TASK, time_limit=300, soft_time_limit=240)
def send_deliveries(delivery_ids: list[int]) -> dict:
    connections: dict = {}
    counts: dict[str, int] = {}
    for delivery_id in delivery_ids:
        result = services.send_delivery(delivery_id=delivery_id, connections=connections)
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
        _follow_up(delivery_id, result)
    return counts


@shared_task(base=BaseTask, name="notifications.send_delivery", time_limit=120, soft_time_limit=90)
def send_delivery(delivery_id: int) -> str:
    result = services.send_delivery(delivery_id=delivery_id)
    _follow_up(delivery_id, result)
    return result.outcome.value


@shared_task(base=BaseTask, name="notifications.sweep_deliveries", time_limit=300, soft_time_limit=240)
def sweep_deliveries() -> int:
    ids = services.deliveries_to_requeue()
    if ids:
        services.enqueue_deliveries(ids)
    return len(ids)


_REMINDER_LIMITS = {"time_limit": 900, "soft_time_limit": 840}


@shared_task(base=BaseTask, name="notifications.send_reminders_all", **_REMINDER_LIMITS)
def send_reminders_all(today: str | None = None, hour: int | None = None) -> int:
    """Beat, every hour: the rules sent at this hour (notifications.reminders), one task per
    campaign that is not closed. Each child is told the day and hour the fan-out started: a queue
    backed up past midnight must not move a reminder to the next day's step. A rerun for a given
    day (`today` without `hour`) runs every rule."""
    now = timezone.localtime()
    if today is None and hour is None:
        hour = now.hour
    if not reminders.rules(hour=hour):
        return 0
    day = today or now.date().isoformat()
    ids = [c.pk for c in open_campaigns(today=datetime.date.fromisoformat(day))]
    for campaign_id in ids:
        # On commit when called inside a transaction (a command, a test), at once otherwise.
        send_reminders.enqueue(campaign_id, day, hour)
    return len(ids)


@shared_task(base=BaseTask, name="notifications.send_reminders", **_REMINDER_LIMITS)
def send_reminders(campaign_id: int, today: str | None = None, hour: int | None = None) -> dict:
    """Every rule of that hour (all of them without one) for one campaign; counts by rule and step.
    Idempotent: the notifications' unique key makes a rerun record and send nothing new."""
    campaign = Campaign.objects.get(pk=campaign_id)
    day = datetime.date.fromisoformat(today) if today else None
    counts: dict[str, int] = {}
    for rule in reminders.rules(hour=hour):
        try:
            summary = reminders.run_rule(rule, campaign=campaign, today=day)
        except CampaignClosed:  # closed since the fan-out: it messages nobody
            return {}
        counts.update({f"{rule.name}:{step}": n for step, n in summary.counts.items()})
    return counts
