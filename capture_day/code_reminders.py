"""Who has not bound their 采集码 yet, per college and class, and reminding them.

Here, above notifications, because a reminder is a notification; the binding itself is
sessions_app.collection_codes. One reminder per student per day: the notification's unique key
(student, kind, subject, step) with the day as the step, so a second click sends nothing.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import record_event
from core.errors import CodedError
from core.words import Words
from notifications.bulk import SendPlan, describe
from notifications.models import Notification
from notifications.services import Message, notify_many
from sessions_app import phases
from sessions_app.models import Campaign, CollectionCodeClash, Identification, Student
from sessions_app.phases import CampaignClosed, refuse_messages_if_closed
from sessions_app.scope import visible_colleges, visible_students

from . import notices

CLASHES_SHOWN = 50


REFUSALS = Words(
    {
        "not_enabled": gettext_lazy("本批次不使用学信网采集码，无需提醒"),
        "not_allowed": gettext_lazy("只有教务处和学院负责老师可以发送提醒"),
        "college_out_of_scope": gettext_lazy("只能提醒本学院的学生"),
    },
    name="capture_day.code_reminders",
    base=phases.WORDS,
)


class CodeReminderError(CodedError):
    """A reminder refused: a code for callers and the params of its words (REFUSALS); a job keeps
    (code, params) and its page words them for the reader."""

    words = REFUSALS


@dataclass
class ClassRow:
    college_id: int
    college: str
    class_name: str
    students: int
    unbound: int


def unbound_by_class(*, user, campaign: Campaign) -> list[ClassRow]:
    """One query: each class the user may see, with how many have not bound a code."""
    rows = (
        visible_students(user, campaign)
        .order_by()
        .values("college_id", "college__name", "college__sort_order", "class_name")
        .annotate(students=Count("pk"), unbound=Count("pk", filter=Q(collection_code_hash__isnull=True)))
        .order_by("college__sort_order", "college__name", "class_name")
    )
    return [ClassRow(r["college_id"], r["college__name"], r["class_name"], r["students"], r["unbound"]) for r in rows]


def unbound_students(*, user, campaign: Campaign, college_id: int | None = None, class_name: str | None = None):
    students = visible_students(user, campaign).filter(collection_code_hash__isnull=True)
    if college_id is not None:
        students = students.filter(college_id=college_id)
    if class_name is not None:
        students = students.filter(class_name=class_name)
    return students


def recent_clashes(*, user, campaign: Campaign) -> list[CollectionCodeClash]:
    """Clashes involving a student the user may see (either side), newest first, one query."""
    visible = visible_students(user, campaign).values("pk")
    return list(
        CollectionCodeClash.objects.filter(campaign=campaign)
        .filter(Q(student__in=visible) | Q(holder__in=visible))
        .select_related("student__college", "holder__college")[:CLASHES_SHOWN]
    )


def remind_unbound(
    *,
    campaign: Campaign,
    actor,
    college_id: int | None = None,
    class_name: str | None = None,
    today: datetime.date | None = None,
) -> int:
    """Remind the unbound students of the actor's scope (narrowed to a college or a class);
    returns how many were reminded now (those reminded earlier today are skipped)."""
    day, students = _check(campaign=campaign, actor=actor, college_id=college_id, class_name=class_name, today=today)
    messages = (_bind_message(student, campaign, day) for student in students.select_related("user"))
    with transaction.atomic():
        sent = notify_many(messages=messages)
        record_event(
            actor=actor,
            action="collection_code.remind",
            campaign=campaign,
            data={"college_id": college_id, "class_name": class_name or "", "sent": sent, "day": day},
        )
    return sent


def _check(*, campaign: Campaign, actor, college_id: int | None, class_name: str | None, today: datetime.date | None):
    """Every refusal of a 采集码 reminder; the day (its step) and the students it is for."""
    today = today or timezone.localdate()
    try:
        refuse_messages_if_closed(campaign, today=today)
    except CampaignClosed as exc:
        raise CodeReminderError.of(CampaignClosed.CODE, **exc.params) from None
    if not campaign.identifies_by(Identification.COLLECTION_CODE):
        raise CodeReminderError.of("not_enabled")
    if actor is None or not (actor.is_academic_staff or actor.is_coordinator):
        raise CodeReminderError.of("not_allowed")
    if college_id is not None and not visible_colleges(actor).filter(pk=college_id).exists():
        raise CodeReminderError.of("college_out_of_scope")
    students = unbound_students(user=actor, campaign=campaign, college_id=college_id, class_name=class_name)
    return today.isoformat(), students


def _bind_message(student: Student, campaign: Campaign, day: str) -> Message:
    return Message(
        recipient=student,
        kind=notices.BIND_KIND,
        subject=campaign,
        step=day,
        code=notices.BIND_CODE,
        data={"name": student.name, "campaign": campaign.name, "link": reverse("sessions_app:bind_code")},
    )


def plan_remind_unbound(
    *,
    campaign: Campaign,
    actor,
    college_id: int | None = None,
    class_name: str | None = None,
    today: datetime.date | None = None,
) -> SendPlan:
    """What the reminder will send, before it is sent: the same refusals, then how many (those
    reminded today left out), which message and channels."""
    day, students = _check(campaign=campaign, actor=actor, college_id=college_id, class_name=class_name, today=today)
    already = Notification.objects.filter(kind=notices.BIND_KIND, step=day, student__in=students.values("pk")).values(
        "student_id"
    )
    waiting = students.exclude(pk__in=already)
    count = waiting.count()
    first = waiting.select_related("user").order_by("pk").first()
    plan = SendPlan(action=_("提醒学生绑定学信网采集码"), count=count)
    describe(plan, _bind_message(first, campaign, day) if first is not None else None)
    skipped = students.count() - count
    if skipped:
        plan.skipped = ngettext(
            "今天已提醒过的 %(n)s 名学生不再重复", "今天已提醒过的 %(n)s 名学生不再重复", skipped
        ) % {"n": skipped}
    if not count:
        plan.nothing_because = _("没有需要提醒的学生：今天已提醒过，或都已绑定。")
    return plan
