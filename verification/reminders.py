"""Reminder fan-outs run daily by Celery beat and by `send_reminders`.

Each fan-out selects its recipients in batches (a constant number of queries per batch),
works out with pure functions which step is due, and records the messages through
notifications.services.notify_many, whose unique key makes every rerun send nothing new.
"""

import dataclasses
import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from notifications.services import Message, notify_many
from sessions_app.models import Campaign, Capture, College, Slot, Student

from . import notices
from .models import VerificationRecord
from .services import days_left

VERIFICATION_KIND = "verification_due"
SLOT_KIND = "slot_reminder"
DIGEST_KIND = "verification_overdue_list"
OVERDUE_STEP = "overdue"


def step_name(days: int) -> str:
    return f"d-{days}"


def reminder_days() -> tuple[int, ...]:
    return tuple(sorted({int(d) for d in settings.VERIFICATION_REMINDER_DAYS}, reverse=True))


def due_step(
    *,
    due_date: datetime.date,
    today: datetime.date,
    steps: tuple[int, ...],
    sent: set[str] | frozenset[str] = frozenset(),
    captured_on: datetime.date | None = None,
) -> str | None:
    """The reminder step to send today, or None. Pure.

    Steps are days before the due date. Only the latest step whose day has come is
    sent, so a missed run never sends a burst of stale reminders; steps that fall on or
    before the capture date were never ahead of the student and are skipped; once the
    due date has passed, one "overdue" message and nothing more.
    """
    if today > due_date:
        return OVERDUE_STEP if OVERDUE_STEP not in sent else None
    current = None
    for days in sorted(steps, reverse=True):
        step_day = due_date - datetime.timedelta(days=days)
        if step_day > today:
            break
        if captured_on is not None and step_day <= captured_on:
            continue
        current = days
    if current is None:
        return None
    # A step already sent at or after this point (e.g. steps reconfigured) ends it too.
    for name in sent:
        if name.startswith("d-") and name[2:].isdigit() and int(name[2:]) <= current:
            return None
    return step_name(current)


@dataclasses.dataclass
class FanOutSummary:
    counts: Counter = dataclasses.field(default_factory=Counter)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _batches(qs, batch_size: int):
    """Keyset pagination on id: each batch is one query however large the table."""
    last_id = 0
    while True:
        batch = list(qs.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        last_id = batch[-1].id
        yield batch


def _record(messages_by_step: dict[str, list[Message]], summary: FanOutSummary) -> None:
    for step, messages in messages_by_step.items():
        if summary.dry_run:
            summary.counts[step] += len(messages)
        else:
            summary.counts[step] += notify_many(messages=messages)


# --- verification deadline ---------------------------------------------------


def _verification_message(
    record: VerificationRecord, student: Student, campaign: Campaign, step: str, today: datetime.date
) -> Message:
    data = {"name": student.name, "due": record.due_date.isoformat(), "url": campaign.chsi_url}
    if step == OVERDUE_STEP:
        code = notices.OVERDUE
    else:
        code = notices.DUE
        data["left"] = days_left(due_date=record.due_date, today=today)
        data["captured"] = record.captured_on.isoformat() if record.captured_on else ""
    return Message(recipient=student, kind=VERIFICATION_KIND, subject=record, step=step, code=code, data=data)


def send_verification_reminders(
    *,
    campaign: Campaign,
    today: datetime.date | None = None,
    dry_run: bool = False,
    batch_size: int = 2000,
) -> FanOutSummary:
    today = today or timezone.localdate()
    steps = reminder_days()
    summary = FanOutSummary(dry_run=dry_run)
    horizon = today + datetime.timedelta(days=max(steps, default=0))
    # Light tuples first: most students on most days need nothing, and a rerun needs nothing at all.
    records = VerificationRecord.objects.filter(
        campaign=campaign, is_active=True, confirmed_at__isnull=True, due_date__lte=horizon
    ).values_list("id", "student_id", "due_date", "captured_on")
    record_type = ContentType.objects.get_for_model(VerificationRecord)
    for batch in _tuple_batches(records, batch_size):
        sent: dict[int, set[str]] = defaultdict(set)
        for subject_id, step in Notification.objects.filter(
            student_id__in=[r[1] for r in batch], kind=VERIFICATION_KIND, subject_type=record_type
        ).values_list("subject_id", "step"):
            sent[subject_id].add(step)
        due = []
        for record_id, student_id, due_date, captured_on in batch:
            step = due_step(due_date=due_date, today=today, steps=steps, sent=sent[record_id], captured_on=captured_on)
            if step:
                due.append(
                    (VerificationRecord(id=record_id, due_date=due_date, captured_on=captured_on), student_id, step)
                )
        if not due:
            continue
        students = Student.objects.select_related("user").only(*_CONTACT_FIELDS).in_bulk([d[1] for d in due])
        by_step: dict[str, list[Message]] = defaultdict(list)
        for record, student_id, step in due:
            by_step[step].append(_verification_message(record, students[student_id], campaign, step, today))
        _record(by_step, summary)
    return summary


NOW_STEP_PREFIX = "now-"


def now_step(today: datetime.date) -> str:
    return f"{NOW_STEP_PREFIX}{today:%Y-%m-%d}"


def reminded_today(*, record_ids: list[int], today: datetime.date) -> set[int]:
    """The records whose student already had a verification reminder today (the daily run's or one sent now)."""
    record_type = ContentType.objects.get_for_model(VerificationRecord)
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return set(
        Notification.objects.filter(
            kind=VERIFICATION_KIND,
            subject_type=record_type,
            subject_id__in=record_ids,
            created_at__gte=start,
            created_at__lt=start + datetime.timedelta(days=1),
        ).values_list("subject_id", flat=True)
    )


def remind_unconfirmed_now(
    *, campaign: Campaign, students, today: datetime.date | None = None, batch_size: int = 2000
) -> FanOutSummary:
    """ "Remind these now" from the unconfirmed list: every captured, unconfirmed student of `students`
    whose deadline has not passed gets the countdown reminder, except those already reminded today.

    The step is the day ("now-2026-12-02"), so the unique key of notify_many makes a second click,
    a second coordinator or a retried request add nothing; and a student the daily run reminded this
    morning is skipped, so nobody hears the same thing twice in a day.
    """
    today = today or timezone.localdate()
    summary = FanOutSummary()
    step = now_step(today)
    records = VerificationRecord.objects.filter(
        campaign=campaign, is_active=True, confirmed_at__isnull=True, due_date__gte=today, student__in=students
    ).values_list("id", "student_id", "due_date", "captured_on")
    for batch in _tuple_batches(records, batch_size):
        done = reminded_today(record_ids=[r[0] for r in batch], today=today)
        due = [r for r in batch if r[0] not in done]
        if not due:
            continue
        people = Student.objects.select_related("user").only(*_CONTACT_FIELDS).in_bulk([r[1] for r in due])
        messages = []
        for record_id, student_id, due_date, captured_on in due:
            record = VerificationRecord(id=record_id, due_date=due_date, captured_on=captured_on)
            message = _verification_message(record, people[student_id], campaign, "d-0", today)
            messages.append(dataclasses.replace(message, step=step))
        _record({step: messages}, summary)
    return summary


# Everything a message needs from the student and their account, and nothing more.
_CONTACT_FIELDS = ("id", "name", "email", "phone", "user__id", "user__email", "user__phone", "user__role")


def _tuple_batches(qs, batch_size: int):
    last_id = 0
    while True:
        batch = list(qs.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        last_id = batch[-1][0]
        yield batch


# --- the day before the slot ---------------------------------------------------


def _slot_message(student: Student, campaign: Campaign) -> Message:
    slot = student.assigned_slot
    location = slot.group.location
    data = {
        "name": student.name,
        "date": slot.date.isoformat(),
        "time": slot.time_range(),
        "campus": location.campus.name,
        "location": location.name,
        "group": slot.group.name,
        "bring": campaign.what_to_bring,
        "rules": campaign.rule_lines(),
        "contact_name": campaign.contact_name,
        "contact_phone": campaign.contact_phone,
    }
    return Message(recipient=student, kind=SLOT_KIND, subject=slot, step="d-1", code=notices.SLOT_TOMORROW, data=data)


def send_slot_reminders(
    *, campaign: Campaign, today: datetime.date | None = None, dry_run: bool = False, batch_size: int = 2000
) -> FanOutSummary:
    """The day before a student's slot, to students not captured yet."""
    today = today or timezone.localdate()
    summary = FanOutSummary(dry_run=dry_run)
    tomorrow = today + datetime.timedelta(days=1)
    students = (
        Student.objects.filter(campaign=campaign, assigned_slot__date=tomorrow)
        .filter(~Exists(Capture.objects.filter(student=OuterRef("pk"), undone_at__isnull=True)))
        .select_related("user", "assigned_slot__group__location__campus")
    )
    slot_type = ContentType.objects.get_for_model(Slot)
    for batch in _batches(students, batch_size):
        already = set(
            Notification.objects.filter(
                student_id__in=[s.pk for s in batch], kind=SLOT_KIND, subject_type=slot_type, step="d-1"
            ).values_list("student_id", "subject_id")
        )
        messages = [_slot_message(s, campaign) for s in batch if (s.pk, s.assigned_slot_id) not in already]
        _record({"d-1": messages} if messages else {}, summary)
    return summary


# --- overdue lists to coordinators ---------------------------------------------

DIGEST_LIST_LIMIT = 50


def send_overdue_digests(
    *, campaign: Campaign, today: datetime.date | None = None, dry_run: bool = False
) -> FanOutSummary:
    """One message a day per coordinator whose colleges have overdue students."""
    today = today or timezone.localdate()
    summary = FanOutSummary(dry_run=dry_run)
    overdue = VerificationRecord.objects.filter(
        campaign=campaign, is_active=True, confirmed_at__isnull=True, due_date__lt=today
    )
    counts = dict(
        overdue.order_by()
        .values_list("student__college_id")
        .annotate(n=Count("id"))
        .values_list("student__college_id", "n")
    )
    if not counts:
        return summary
    User = get_user_model()
    coordinators = (
        User.objects.filter(role=Role.COORDINATOR, is_active=True, colleges__in=list(counts))
        .distinct()
        .prefetch_related(Prefetch("colleges", queryset=College.objects.filter(pk__in=list(counts))))
    )
    sample = _overdue_sample(overdue)
    step = f"{today:%Y-%m-%d}"
    messages = [
        _digest_message(coordinator, campaign=campaign, counts=counts, sample=sample, step=step)
        for coordinator in coordinators
    ]
    _record({step: messages}, summary)
    return summary


def _overdue_sample(overdue) -> dict[int, list[VerificationRecord]]:
    """The first students of each college, for the message body; the full list is on the page."""
    sample: dict[int, list[VerificationRecord]] = defaultdict(list)
    for record in overdue.select_related("student").order_by("student__college_id", "due_date", "student__student_no"):
        bucket = sample[record.student.college_id]
        if len(bucket) < DIGEST_LIST_LIMIT:
            bucket.append(record)
    return sample


def _digest_message(coordinator, *, campaign: Campaign, counts: dict, sample: dict, step: str) -> Message:
    colleges = []
    for college in coordinator.colleges.all():
        students = [
            {
                "no": record.student.student_no,
                "name": record.student.name,
                "class": record.student.class_name,
                "due": record.due_date.isoformat(),
            }
            for record in sample.get(college.pk, [])
        ]
        colleges.append({"name": college.name, "n": counts.get(college.pk, 0), "students": students})
    return Message(
        recipient=coordinator,
        kind=DIGEST_KIND,
        subject=campaign,
        step=step,
        code=notices.OVERDUE_LIST,
        data={"total": sum(c["n"] for c in colleges), "colleges": colleges},
        channels=("inbox", "email"),
    )
