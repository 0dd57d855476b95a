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

from accounts.audit import record_event
from core.errors import CodedError
from notifications.services import Message, notify_many
from sessions_app.models import Campaign, CollectionCodeClash, Identification
from sessions_app.scope import visible_colleges, visible_students

from . import notices

CLASHES_SHOWN = 50


class CodeReminderError(CodedError):
    """A reminder refused: `message` for staff, `code` for callers."""


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
    if not campaign.identifies_by(Identification.COLLECTION_CODE):
        raise CodeReminderError(_("本批次不使用学信网采集码，无需提醒"), "not_enabled")
    if actor is None or not (actor.is_academic_staff or actor.is_coordinator):
        raise CodeReminderError(_("只有教务处和学院负责老师可以发送提醒"), "not_allowed")
    if college_id is not None and not visible_colleges(actor).filter(pk=college_id).exists():
        raise CodeReminderError(_("只能提醒本学院的学生"), "college_out_of_scope")
    day = (today or timezone.localdate()).isoformat()
    students = unbound_students(user=actor, campaign=campaign, college_id=college_id, class_name=class_name)
    link = reverse("sessions_app:bind_code")
    messages = (
        Message(
            recipient=student,
            kind=notices.BIND_KIND,
            subject=campaign,
            step=day,
            code=notices.BIND_CODE,
            data={"name": student.name, "campaign": campaign.name, "link": link},
        )
        for student in students.select_related("user")
    )
    with transaction.atomic():
        sent = notify_many(messages=messages)
        record_event(
            actor=actor,
            action="collection_code.remind",
            campaign=campaign,
            data={"college_id": college_id, "class_name": class_name or "", "sent": sent, "day": day},
        )
    return sent
