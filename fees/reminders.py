"""The fees app's reminder rule, run by notifications.reminders (one mechanism, one beat entry).

`REMITTANCE` ("fees.remittance", 09:00): to each coordinator whose colleges still have unpaid
students or cash not remitted, the steps of `FEES_REMINDER_DAYS` before the campaign's remittance
deadline. The notification's unique key (coordinator, kind, campaign, step) sends each step once.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from notifications import reminders as mechanism
from notifications.reminders import Candidate, ReminderRule, register
from notifications.schedules import StepSchedule
from notifications.services import Message
from sessions_app.models import Campaign
from sessions_app.phases import open_campaigns

from . import notices
from .selectors import remittance_reminders

KIND = "remittance_due"


def _candidates(*, campaign: Campaign, today: datetime.date, days: tuple[int, ...], batch_size: int):
    # One batch: a message per coordinator of the campaign's colleges.
    by_coordinator: dict[int, tuple] = {}
    for item in remittance_reminders(campaign=campaign, today=today):
        for coordinator in item.coordinators:
            by_coordinator.setdefault(coordinator.pk, (coordinator, []))[1].append(item)
    yield [
        Candidate(subject_id=campaign.pk, deadline=campaign.remittance_deadline, user_id=pk, item=entry)
        for pk, entry in by_coordinator.items()
    ]


def _messages(*, campaign: Campaign, today: datetime.date, due: list[tuple[Candidate, str]]) -> list[Message]:
    messages = []
    for candidate, step in due:
        coordinator, items = candidate.item
        colleges = [
            {"college": item.college.name, "unpaid": item.unpaid_count, "amount": str(item.unremitted)}
            for item in items
        ]
        messages.append(
            Message(
                recipient=coordinator,
                kind=KIND,
                subject=campaign,
                step=step,
                code=notices.REMITTANCE_DUE,
                data={
                    "campaign": campaign.name,
                    "deadline": campaign.remittance_deadline.isoformat(),
                    "colleges": colleges,
                },
            )
        )
    return messages


REMITTANCE = register(
    ReminderRule(
        name="fees.remittance",
        title=gettext_lazy("学院上交提醒"),
        audience=gettext_lazy("（给学院负责老师）"),
        kind=KIND,
        subject=Campaign,
        schedule=StepSchedule(days=lambda campaign: settings.FEES_REMINDER_DAYS),
        candidates=_candidates,
        messages=_messages,
        hour=9,
        # One deadline for the whole campaign: a day without a step reads no reconciliation.
        campaign_deadline=lambda campaign: campaign.remittance_deadline,
    )
)


def reminder_step(*, deadline: datetime.date, today: datetime.date) -> str | None:
    days = REMITTANCE.schedule.days_for(None)
    return REMITTANCE.schedule.due_step(deadline=deadline, today=today, days=days)


def send_remittance_reminders(*, today: datetime.date | None = None) -> int:
    """The rule for every campaign that is not closed (beat runs it per campaign); how many notices
    were newly recorded. Running it twice a day sends nothing new."""
    today = today or timezone.localdate()
    return sum(mechanism.run_rule(REMITTANCE, campaign=c, today=today).total for c in open_campaigns(today=today))
