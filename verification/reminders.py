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
from django.utils.translation import gettext as _

from accounts import formatting
from accounts.models import Role
from notifications.models import Notification
from notifications.services import Message, notify_many
from sessions_app.models import Campaign, Capture, College, Slot, Student

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
    due = formatting.date(record.due_date)
    if step == OVERDUE_STEP:
        title = _("网上校对已逾期：请立即登录学信网核对图像信息")
        body = _(
            "%(name)s同学：你的网上校对截止日期 %(due)s 已过，至今未确认。学生不上网校对，学校将无法提交毕业数据，"
            "后果由本人负责。请立即登录 %(url)s 核对照片和学籍信息并确认，如有问题请联系学院负责老师。"
        ) % {"name": student.name, "due": due, "url": campaign.chsi_url}
    else:
        left = days_left(due_date=record.due_date, today=today)
        title = _("请在 %(due)s 前到学信网核对图像信息（还剩 %(left)s 天）") % {"due": due, "left": left}
        body = _(
            "%(name)s同学：你的毕业图像已于 %(captured)s 采集，"
            "请于 %(due)s 前登录 %(url)s 核对照片和本人学籍信息并确认。"
            "学生不上网校对，学校将无法提交毕业数据，后果由本人负责。照片或信息有误，请在本系统“网上校对”页面反馈。"
        ) % {
            "name": student.name,
            "captured": formatting.date(record.captured_on),
            "due": due,
            "url": campaign.chsi_url,
        }
    return Message(recipient=student, kind=VERIFICATION_KIND, subject=record, step=step, title=title, body=body)


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
    rules = "；".join(campaign.rule_lines())
    body = _(
        "%(name)s同学：你的毕业生图像采集安排在 %(date)s %(time)s，地点：%(place)s（%(group)s）。"
        "需携带：%(bring)s。注意事项：%(rules)s。"
    ) % {
        "name": student.name,
        "date": formatting.date(slot.date),
        "time": slot.time_range(),
        "place": f"{location.campus.name} {location.name}",
        "group": slot.group.name,
        "bring": campaign.what_to_bring or _("二代身份证"),
        "rules": rules or _("服从摄影师安排"),
    }
    if campaign.contact_name or campaign.contact_phone:
        body += _("联系人：%(who)s %(phone)s") % {"who": campaign.contact_name, "phone": campaign.contact_phone}
    title = _("明天图像采集：%(time)s %(place)s") % {"time": slot.time_range(), "place": location.name}
    return Message(recipient=student, kind=SLOT_KIND, subject=slot, step="d-1", title=title, body=body)


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
    lines = []
    total = 0
    for college in coordinator.colleges.all():
        total += counts.get(college.pk, 0)
        lines.append(_("%(college)s：%(n)s 人") % {"college": college.name, "n": counts.get(college.pk, 0)})
        for record in sample.get(college.pk, []):
            s = record.student
            lines.append(
                "  "
                + _("%(no)s %(name)s %(class)s 截止 %(due)s")
                % {
                    "no": s.student_no,
                    "name": s.name,
                    "class": s.class_name,
                    "due": formatting.date_short(record.due_date),
                }
            )
    title = _("网上校对逾期名单：%(n)s 人未确认") % {"n": total}
    body = (
        _("以下学生已过网上校对截止日期仍未确认，学校将无法提交其毕业数据，请督促学生尽快登录学信网核对：")
        + "\n"
        + "\n".join(lines)
        + "\n"
        + _("完整名单见“网上校对”页面，可导出 Excel。")
    )
    return Message(
        recipient=coordinator,
        kind=DIGEST_KIND,
        subject=campaign,
        step=step,
        title=title,
        body=body,
        channels=("inbox", "email"),
    )
