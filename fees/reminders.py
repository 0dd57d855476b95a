"""Reminders to coordinators before the remittance deadline."""

import datetime

from django.db import transaction
from django.utils import timezone

from notifications.services import notify
from notifications.steps import step_before_deadline
from sessions_app.phases import open_campaigns

from . import notices
from .selectors import remittance_reminders

REMINDER_STEPS = (7, 3, 1)


def reminder_step(*, deadline: datetime.date, today: datetime.date) -> str | None:
    return step_before_deadline(deadline=deadline, today=today, days=REMINDER_STEPS)


def send_remittance_reminders(*, today: datetime.date | None = None) -> int:
    """Notify coordinators whose college has unpaid students or unremitted money.

    Goes through notifications.services.notify, which records one delivery per
    (coordinator, campaign, step), so running this twice a day sends nothing new.
    Returns how many notices were newly recorded.
    """
    today = today or timezone.localdate()
    sent = 0
    # A closed campaign messages nobody (sessions_app.phases).
    for campaign in open_campaigns(today=today):
        if campaign.remittance_deadline is None:
            continue
        step = reminder_step(deadline=campaign.remittance_deadline, today=today)
        if step is None:
            continue
        by_coordinator: dict[int, tuple] = {}
        for item in remittance_reminders(campaign=campaign, today=today):
            for coordinator in item.coordinators:
                by_coordinator.setdefault(coordinator.pk, (coordinator, []))[1].append(item)
        for coordinator, items in by_coordinator.values():
            colleges = [
                {"college": item.college.name, "unpaid": item.unpaid_count, "amount": str(item.unremitted)}
                for item in items
            ]
            with transaction.atomic():
                if notify(
                    recipient=coordinator,
                    kind="remittance_due",
                    subject=campaign,
                    step=step,
                    code=notices.REMITTANCE_DUE,
                    data={
                        "campaign": campaign.name,
                        "deadline": campaign.remittance_deadline.isoformat(),
                        "colleges": colleges,
                    },
                ):
                    sent += 1
    return sent
