"""The verification app's reminders: the rules (declared here, run by notifications.reminders),
"remind these now", and what a send will do before it is sent.

Rules (one step schedule each, all through `notifications.reminders.run_rule`, one beat entry):
- `DEADLINE` ("verification.deadline", 09:00): to each captured, unconfirmed student, the steps of
  `VERIFICATION_REMINDER_DAYS` before their CHSI due date (steps on or before the capture day are
  skipped), then one "overdue" message.
- `SLOT` ("verification.slot", 18:00): `SLOT_REMINDER_DAYS` before a student's slot (the evening
  before), to students not captured yet.
- `OVERDUE_LIST` ("verification.overdue_list", 09:00): one message a day to each coordinator whose
  colleges have overdue students.
"""

import dataclasses
import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Role
from core import formatting
from notifications import reminders as mechanism
from notifications.bulk import SendPlan, describe
from notifications.messages import step_label
from notifications.models import Notification
from notifications.reminders import Candidate, FanOutSummary, ReminderRule, register
from notifications.schedules import OVERDUE_STEP, StepSchedule
from notifications.services import Message
from sessions_app.models import Campaign, Capture, College, Slot, Student
from sessions_app.phases import refuse_messages_if_closed

from . import notices
from .models import VerificationRecord
from .services import days_left

VERIFICATION_KIND = "verification_due"
SLOT_KIND = "slot_reminder"
DIGEST_KIND = "verification_overdue_list"


def reminder_days() -> tuple[int, ...]:
    return DEADLINE.schedule.days_for(None)


def due_step(
    *,
    due_date: datetime.date,
    today: datetime.date,
    steps: tuple[int, ...],
    sent: set[str] | frozenset[str] = frozenset(),
    captured_on: datetime.date | None = None,
) -> str | None:
    """The deadline rule's step for one record (see notifications.schedules.StepSchedule.due_step)."""
    return DEADLINE.schedule.due_step(deadline=due_date, today=today, days=steps, sent=sent, not_before=captured_on)


# Everything a message needs from the student and their account, and nothing more.
_CONTACT_FIELDS = ("id", "name", "email", "phone", "user__id", "user__email", "user__phone", "user__role")


def _tuple_batches(qs, batch_size: int):
    return mechanism.batches(qs, batch_size, key=lambda row: row[0])


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


def _deadline_candidates(*, campaign: Campaign, today: datetime.date, days: tuple[int, ...], batch_size: int):
    horizon = today + datetime.timedelta(days=max(days, default=0))
    # Light tuples first: most students on most days need nothing, and a rerun needs nothing at all.
    records = VerificationRecord.objects.filter(
        campaign=campaign, is_active=True, confirmed_at__isnull=True, due_date__lte=horizon
    ).values_list("id", "student_id", "due_date", "captured_on")
    for batch in _tuple_batches(records, batch_size):
        yield [
            Candidate(subject_id=record_id, deadline=due_date, student_id=student_id, not_before=captured_on)
            for record_id, student_id, due_date, captured_on in batch
        ]


def _deadline_messages(*, campaign: Campaign, today: datetime.date, due: list[tuple[Candidate, str]]) -> list[Message]:
    students = Student.objects.select_related("user").only(*_CONTACT_FIELDS).in_bulk([c.student_id for c, _ in due])
    return [
        _verification_message(
            VerificationRecord(id=c.subject_id, due_date=c.deadline, captured_on=c.not_before),
            students[c.student_id],
            campaign,
            step,
            today,
        )
        for c, step in due
    ]


def _pending_records(campaign: Campaign) -> tuple[Any, str]:
    return VerificationRecord.objects.filter(campaign=campaign, is_active=True, confirmed_at__isnull=True), "due_date"


DEADLINE = register(
    ReminderRule(
        name="verification.deadline",
        title=gettext_lazy("网上校对提醒"),
        kind=VERIFICATION_KIND,
        subject=VerificationRecord,
        schedule=StepSchedule(days=lambda campaign: settings.VERIFICATION_REMINDER_DAYS, overdue=True),
        candidates=_deadline_candidates,
        messages=_deadline_messages,
        hour=9,
        pending=_pending_records,
    )
)


def send_verification_reminders(
    *,
    campaign: Campaign,
    today: datetime.date | None = None,
    dry_run: bool = False,
    batch_size: int = 2000,
) -> FanOutSummary:
    return mechanism.run_rule(DEADLINE, campaign=campaign, today=today, dry_run=dry_run, batch_size=batch_size)


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
        mechanism.record({step: messages}, summary)
    return summary


# --- what a send will do, before it is sent (notifications.bulk) ---------------------------------


def next_reminder(*, campaign: Campaign, today: datetime.date) -> tuple[datetime.date, str] | None:
    """The next day a reminder step falls due for some unconfirmed student, and that step; None
    when no captured student is waiting. One query per configured step."""
    return mechanism.next_step(DEADLINE, campaign=campaign, today=today)


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


def _slot_candidates(*, campaign: Campaign, today: datetime.date, days: tuple[int, ...], batch_size: int):
    """Students not captured yet whose slot is within the schedule's days (tomorrow, by default)."""
    students = (
        Student.objects.filter(
            campaign=campaign,
            assigned_slot__date__gt=today,
            assigned_slot__date__lte=today + datetime.timedelta(days=max(days, default=0)),
        )
        .filter(~Exists(Capture.objects.filter(student=OuterRef("pk"), undone_at__isnull=True)))
        .select_related("user", "assigned_slot__group__location__campus")
    )
    for batch in mechanism.batches(students, batch_size, key=lambda s: s.pk):
        yield [
            Candidate(subject_id=s.assigned_slot_id, deadline=s.assigned_slot.date, student_id=s.pk, item=s)
            for s in batch
        ]


def _slot_messages(*, campaign: Campaign, today: datetime.date, due: list[tuple[Candidate, str]]) -> list[Message]:
    return [dataclasses.replace(_slot_message(c.item, campaign), step=step) for c, step in due]


SLOT = register(
    ReminderRule(
        name="verification.slot",
        title=gettext_lazy("采集前一天提醒"),
        kind=SLOT_KIND,
        subject=Slot,
        schedule=StepSchedule(days=lambda campaign: settings.SLOT_REMINDER_DAYS),
        candidates=_slot_candidates,
        messages=_slot_messages,
        # The evening before: students are told where and when to come.
        hour=18,
    )
)


def send_slot_reminders(
    *, campaign: Campaign, today: datetime.date | None = None, dry_run: bool = False, batch_size: int = 2000
) -> FanOutSummary:
    """The day before a student's slot, to students not captured yet."""
    return mechanism.run_rule(SLOT, campaign=campaign, today=today, dry_run=dry_run, batch_size=batch_size)


# --- overdue lists to coordinators ---------------------------------------------

DIGEST_LIST_LIMIT = 50


def _digest_candidates(*, campaign: Campaign, today: datetime.date, days: tuple[int, ...], batch_size: int):
    # One batch: a message per coordinator, a few dozen at most.
    """Each coordinator whose colleges have overdue students, with the figures of the message."""
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
        return
    User = get_user_model()
    coordinators = (
        User.objects.filter(role=Role.COORDINATOR, is_active=True, colleges__in=list(counts))
        .distinct()
        .prefetch_related(Prefetch("colleges", queryset=College.objects.filter(pk__in=list(counts))))
    )
    sample = _overdue_sample(overdue)
    yield [
        Candidate(subject_id=campaign.pk, deadline=None, user_id=c.pk, item=(c, counts, sample)) for c in coordinators
    ]


def _digest_messages(*, campaign: Campaign, today: datetime.date, due: list[tuple[Candidate, str]]) -> list[Message]:
    return [
        _digest_message(c.item[0], campaign=campaign, counts=c.item[1], sample=c.item[2], step=step) for c, step in due
    ]


OVERDUE_LIST = register(
    ReminderRule(
        name="verification.overdue_list",
        title=gettext_lazy("学院逾期名单"),
        audience=gettext_lazy("（给学院负责老师）"),
        itemize_steps=False,
        kind=DIGEST_KIND,
        subject=Campaign,
        schedule=StepSchedule(daily=True),
        candidates=_digest_candidates,
        messages=_digest_messages,
        # After the deadline reminders of the same run (the rules run in the order declared here).
        hour=9,
    )
)


def send_overdue_digests(
    *, campaign: Campaign, today: datetime.date | None = None, dry_run: bool = False
) -> FanOutSummary:
    """One message a day per coordinator whose colleges have overdue students."""
    return mechanism.run_rule(OVERDUE_LIST, campaign=campaign, today=today, dry_run=dry_run)


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
