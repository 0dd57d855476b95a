"""Reminders to coordinators before the remittance deadline."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import formatting
from notifications.services import notify
from notifications.steps import step_before_deadline
from sessions_app.models import Campaign

from .selectors import remittance_reminders
from .services import money

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
    campaigns = Campaign.objects.filter(is_active=True, remittance_deadline__isnull=False)
    for campaign in campaigns:
        step = reminder_step(deadline=campaign.remittance_deadline, today=today)
        if step is None:
            continue
        by_coordinator: dict[int, tuple] = {}
        for item in remittance_reminders(campaign=campaign, today=today):
            for coordinator in item.coordinators:
                by_coordinator.setdefault(coordinator.pk, (coordinator, []))[1].append(item)
        for coordinator, items in by_coordinator.values():
            lines = [
                _("%(college)s：%(unpaid)s 人未缴费，待上交 %(amount)s")
                % {"college": item.college.name, "unpaid": item.unpaid_count, "amount": money(item.unremitted)}
                for item in items
            ]
            with transaction.atomic():
                if notify(
                    recipient=coordinator,
                    kind="remittance_due",
                    subject=campaign,
                    step=step,
                    title=_("%(campaign)s：请于 %(deadline)s 前收齐并上交采集费")
                    % {"campaign": campaign.name, "deadline": formatting.date(campaign.remittance_deadline)},
                    body="\n".join(lines),
                ):
                    sent += 1
    return sent
