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
from django.db.models import Count, Exists, Min, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from core import formatting
from notifications.bulk import SendPlan, describe
from notifications.messages import step_label
from notifications.models import Notification
from notifications.services import Message, notify_many
from sessions_app.models import Campaign, Capture, College, Slot, Student
from sessions_app.phases import refuse_messages_if_closed

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
    sample: Message | None = None  # one message it sent (or would send): the confirmation shows it
    skipped: int = 0  # left out on purpose (already reminded today)

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
        if summary.sample is None and messages:
            summary.sample = messages[0]
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
    refuse_messages_if_closed(campaign, today=today)
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
    *,
    campaign: Campaign,
    students,
    today: datetime.date | None = None,
    batch_size: int = 2000,
    dry_run: bool = False,
    progress=None,
) -> FanOutSummary:
    """ "Remind these now" from the unconfirmed list: every captured, unconfirmed student of `students`
    whose deadline has not passed gets the countdown reminder, except those already reminded today.

    The step is the day ("now-2026-12-02"), so the unique key of notify_many makes a second click,
    a second coordinator or a retried request add nothing; and a student the daily run reminded this
    morning is skipped, so nobody hears the same thing twice in a day.
    """
    today = today or timezone.localdate()
    refuse_messages_if_closed(campaign, today=today)
    summary = FanOutSummary(dry_run=dry_run)
    step = now_step(today)
    records = VerificationRecord.objects.filter(
        campaign=campaign, is_active=True, confirmed_at__isnull=True, due_date__gte=today, student__in=students
    ).values_list("id", "student_id", "due_date", "captured_on")
    seen = 0
    for batch in _tuple_batches(records, batch_size):
        seen += len(batch)
        if progress is not None:
            progress(seen, None)
        done = reminded_today(record_ids=[r[0] for r in batch], today=today)
        summary.skipped += len(done)
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


# --- what a send will do, before it is sent (notifications.bulk) ---------------------------------


def next_reminder(*, campaign: Campaign, today: datetime.date) -> tuple[datetime.date, str] | None:
    """The next day a reminder step falls due for some unconfirmed student, and that step; None
    when no captured student is waiting. One query per configured step."""
    pending = VerificationRecord.objects.filter(campaign=campaign, is_active=True, confirmed_at__isnull=True)
    found: list[tuple[datetime.date, str]] = []
    for days in reminder_days():
        # The step d-N of a due date D falls on D - N: the first such day after today.
        first = pending.filter(due_date__gt=today + datetime.timedelta(days=days)).aggregate(d=Min("due_date"))["d"]
        if first is not None:
            found.append((first - datetime.timedelta(days=days), step_name(days)))
    first_due = pending.filter(due_date__gte=today).aggregate(d=Min("due_date"))["d"]
    if first_due is not None:
        found.append((first_due + datetime.timedelta(days=1), OVERDUE_STEP))
    return min(found) if found else None


def _schedule_words() -> str:
    days = _("、").join(str(d) for d in reminder_days())
    return _("提醒计划：截止前 %(days)s 天各一次，逾期后一次") % {"days": days}


def plan_reminder_run(*, campaign: Campaign, today: datetime.date | None = None) -> SendPlan:
    """What "按提醒计划发送今天到期的提醒" will send today: the steps due, and to how many; when
    none is due, why and when the next one is. Raises CampaignClosed on a closed campaign."""
    today = today or timezone.localdate()
    summary = send_verification_reminders(campaign=campaign, today=today, dry_run=True)
    plan = SendPlan(
        action=_("按提醒计划发送今天到期的网上校对提醒"),
        count=summary.total,
        steps=[(step_label(step), n) for step, n in sorted(summary.counts.items()) if n],
    )
    describe(plan, summary.sample)
    if plan.count:
        plan.skipped = _("已收到过同一步提醒的学生不再重复（%(schedule)s）") % {"schedule": _schedule_words()}
        return plan
    waiting = VerificationRecord.objects.filter(campaign=campaign, is_active=True, confirmed_at__isnull=True).exists()
    if not waiting:
        plan.nothing_because = _("没有已采集而未确认的学生：都已在学信网确认，或还没有人采集。")
        return plan
    upcoming = next_reminder(campaign=campaign, today=today)
    because = _("今天没有到期的提醒步骤，到期的都已发过（%(schedule)s）。") % {"schedule": _schedule_words()}
    if upcoming is not None:
        because += _("下一次是 %(day)s 的“%(step)s”提醒。") % {
            "day": formatting.date(upcoming[0]),
            "step": step_label(upcoming[1]),
        }
    plan.nothing_because = because
    return plan


def plan_remind_now(*, campaign: Campaign, students, today: datetime.date | None = None) -> SendPlan:
    """What "现在提醒这 N 名学生" will send. Raises CampaignClosed on a closed campaign."""
    today = today or timezone.localdate()
    summary = remind_unconfirmed_now(campaign=campaign, students=students, today=today, dry_run=True)
    plan = describe(SendPlan(action=_("现在提醒未确认的学生"), count=summary.total), summary.sample)
    if summary.skipped:
        plan.skipped = ngettext(
            "今天已收到提醒的 %(n)s 名学生不再重复", "今天已收到提醒的 %(n)s 名学生不再重复", summary.skipped
        ) % {"n": summary.skipped}
    if not plan.count:
        plan.nothing_because = _("名单上的学生今天都已提醒过，或都已确认。")
    return plan


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
    refuse_messages_if_closed(campaign, today=today)
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
    refuse_messages_if_closed(campaign, today=today)
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
