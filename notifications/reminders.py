"""Every scheduled reminder goes through here: one rule type, one runner, one beat entry.

**When is a reminder sent?** Each app declares its rules in `<app>/reminders.py` with
`register(ReminderRule(...))`: who may be told (`candidates`, in batches), the deadline each one
counts from, the step schedule (`notifications.schedules.StepSchedule`: days before the deadline
from a setting or the campaign, an "overdue" step, or one a day) and the hour of the day it goes
out. Beat runs `notifications.send_reminders_all` every hour; at a rule's hour it queues one
`notifications.send_reminders` per campaign that is not closed, which runs that hour's rules
through `run_rule`. `run_rule` refuses a closed campaign, asks the schedule which step is due for
each candidate (reading the steps already sent in one query per batch) and records the messages
through `notify_many`, whose unique key (recipient, kind = the rule's, subject, step; the subject
is a row of the campaign) makes a rerun, a second beat or a retried task send nothing twice.
"""

import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from sessions_app.models import Campaign
from sessions_app.phases import refuse_messages_if_closed

from .models import Notification
from .recording import Message, notify_many
from .schedules import OVERDUE_STEP, StepSchedule, step_name


@dataclasses.dataclass(frozen=True)
class Candidate:
    """Someone a rule may remind about one subject. Exactly one of student_id / user_id."""

    subject_id: int
    deadline: datetime.date | None
    student_id: int | None = None
    user_id: int | None = None
    not_before: datetime.date | None = None  # steps on or before this day are skipped (the capture day)
    item: Any = None  # whatever the rule's `messages` needs (a loaded row, figures)


# (campaign, today, days, batch_size) -> batches of candidates;
# (campaign, today, due=[(candidate, step)]) -> messages.
Candidates = Callable[..., Iterable[list[Candidate]]]
Messages = Callable[..., list[Message]]


@dataclasses.dataclass(frozen=True)
class ReminderRule:
    name: str  # "<app>.<what>", the key of REMINDER_HOURS
    kind: str  # the Notification kind: part of the unique key that makes a rerun send nothing
    subject: type[models.Model]  # the Notification subject's model (a row of the campaign)
    schedule: StepSchedule
    candidates: Candidates
    messages: Messages
    hour: int = 9  # Asia/Shanghai hour at which beat sends it (REMINDER_HOURS overrides)
    # The campaign-wide deadline, when there is one: a day on which no step is due skips the rule
    # without reading a candidate.
    campaign_deadline: Callable[[Campaign], datetime.date | None] | None = None
    # The deadlines still waiting (queryset, field), for "when is the next step" on the staff page.
    pending: Callable[[Campaign], tuple[QuerySet[Any], str]] | None = None
    # What `send_reminders` prints for it (a lazy translation), and to whom it goes when that is
    # not the student.
    title: Any = ""
    audience: Any = ""
    # False when a step is a day (one message a day), not a step of a schedule worth counting apart.
    itemize_steps: bool = True

    def send_hour(self) -> int:
        return int(settings.REMINDER_HOURS.get(self.name, self.hour))


_RULES: dict[str, ReminderRule] = {}


def register(rule: ReminderRule) -> ReminderRule:
    _RULES[rule.name] = rule
    return rule


def rules(*, hour: int | None = None) -> list[ReminderRule]:
    """The registered rules in registration order; those sent at `hour` when it is given."""
    return [r for r in _RULES.values() if hour is None or r.send_hour() == hour]


def rule(name: str) -> ReminderRule:
    return _RULES[name]


@dataclasses.dataclass
class FanOutSummary:
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    dry_run: bool = False
    sample: Message | None = None  # one message it sent (or would send): the confirmation shows it
    skipped: int = 0  # left out on purpose (already reminded today)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def record(messages_by_step: dict[str, list[Message]], summary: FanOutSummary) -> None:
    """Count (dry run) or record the messages, by step."""
    for step, messages in messages_by_step.items():
        if summary.sample is None and messages:
            summary.sample = messages[0]
        if summary.dry_run:
            summary.counts[step] += len(messages)
        else:
            summary.counts[step] += notify_many(messages=messages)


def _sent_steps(
    kind: str, subject_type: ContentType, batch: list[Candidate]
) -> dict[tuple[int | None, int | None, int], set[str]]:
    """The steps already recorded for the batch, by (student id, user id, subject id): one query."""
    students = [c.student_id for c in batch if c.student_id is not None]
    users = [c.user_id for c in batch if c.user_id is not None]
    who = Q(student_id__in=students) if students else Q()
    if users:
        who = (who | Q(user_id__in=users)) if students else Q(user_id__in=users)
    sent: dict[tuple[int | None, int | None, int], set[str]] = defaultdict(set)
    rows = Notification.objects.filter(who, kind=kind, subject_type=subject_type).values_list(
        "student_id", "user_id", "subject_id", "step"
    )
    for student_id, user_id, subject_id, step in rows:
        sent[(student_id, user_id, subject_id)].add(step)
    return sent


def run_rule(
    rule: ReminderRule,
    *,
    campaign: Campaign,
    today: datetime.date | None = None,
    dry_run: bool = False,
    batch_size: int = 2000,
) -> FanOutSummary:
    """Send (or, dry, count) the steps of `rule` due today for `campaign`. Raises CampaignClosed."""
    today = today or timezone.localdate()
    refuse_messages_if_closed(campaign, today=today)
    summary = FanOutSummary(dry_run=dry_run)
    days = rule.schedule.days_for(campaign)
    if rule.campaign_deadline is not None:
        deadline = rule.campaign_deadline(campaign)
        if rule.schedule.due_step(deadline=deadline, today=today, days=days) is None:
            return summary
    subject_type = ContentType.objects.get_for_model(rule.subject)
    for batch in rule.candidates(campaign=campaign, today=today, days=days, batch_size=batch_size):
        if not batch:
            continue
        sent = _sent_steps(rule.kind, subject_type, batch)
        due = []
        for candidate in batch:
            step = rule.schedule.due_step(
                deadline=candidate.deadline,
                today=today,
                days=days,
                sent=sent.get((candidate.student_id, candidate.user_id, candidate.subject_id), frozenset()),
                not_before=candidate.not_before,
            )
            if step is not None:
                due.append((candidate, step))
        if not due:
            continue
        by_step: dict[str, list[Message]] = defaultdict(list)
        for message in rule.messages(campaign=campaign, today=today, due=due):
            by_step[message.step].append(message)
        record(by_step, summary)
    return summary


def next_step(rule: ReminderRule, *, campaign: Campaign, today: datetime.date) -> tuple[datetime.date, str] | None:
    """The next day after today a step of `rule` falls due for a deadline still waiting, and that
    step; None when nothing waits. One query per step."""
    if rule.pending is None:
        return None
    pending, field = rule.pending(campaign)
    found: list[tuple[datetime.date, str]] = []
    for days in rule.schedule.days_for(campaign):
        # The step d-N of a deadline D falls on D - N: the first such day after today.
        first = pending.filter(**{f"{field}__gt": today + datetime.timedelta(days=days)}).aggregate(d=Min(field))["d"]
        if first is not None:
            found.append((first - datetime.timedelta(days=days), step_name(days)))
    if rule.schedule.overdue:
        first_due = pending.filter(**{f"{field}__gte": today}).aggregate(d=Min(field))["d"]
        if first_due is not None:
            found.append((first_due + datetime.timedelta(days=1), OVERDUE_STEP))
    return min(found) if found else None


def batches(qs: QuerySet[Any], batch_size: int, *, key: Callable[[Any], int]) -> Iterator[list[Any]]:
    """Keyset pagination on id: each batch is one query however large the table."""
    last_id = 0
    while True:
        batch = list(qs.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        last_id = key(batch[-1])
        yield batch
