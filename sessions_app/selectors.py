"""Reads for the capture pages and exports.

Every function here costs a fixed number of queries whatever the number of rows:
counts come from correlated subqueries, not from one query per row.
"""

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Exists,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.audit import describe
from accounts.models import AuditEvent
from core import formatting
from core.compiled import CompiledQuery, Param
from core.formatting import joined
from core.registries import student_panel_reads

from .models import Audience, Campaign, Capture, CaptureGroup, College, Shot, Slot, SlotStatus, Student
from .scope import student_profiles_of

ACTIVE = Q(undone_at__isnull=True)


def count_of(qs: QuerySet[Any], group_field: str) -> Coalesce:
    """A correlated COUNT(*) of qs grouped by group_field; 0 instead of NULL."""
    counted = qs.order_by().values(group_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- students ---------------------------------------------------------------


class CaptureFilter:
    CAPTURED = "captured"
    NOT_CAPTURED = "not_captured"
    WRONG_SLOT = "wrong_slot"


def student_rows(
    students: QuerySet[Student], *, one_college: bool = False, slots_known: bool = False
) -> QuerySet[Student]:
    """Students with what a list page shows: college, slot and the active capture's facts.

    captured_at is NULL for a student without an active capture (no separate EXISTS: PostgreSQL
    planned it as a hash of every capture of the campaign, a third of a 50-row page's time).
    With one_college the order leaves out the college's sort key, which is the same on every row,
    so an index on (campaign, college, class_name, student_no) serves the page without a sort.
    slots_known: the page has the slots already (college_figures + slots_by_id) and gives them
    to its rows with with_slots instead of a second query.
    """
    active = Capture.objects.filter(ACTIVE, student=OuterRef("pk")).order_by("-captured_at")
    # The slot and its group, location and campus come in a second query: joined in, the seven
    # tables cost PostgreSQL more to plan than the page costs to run.
    slots = Prefetch("assigned_slot", queryset=Slot.objects.select_related("group__location__campus"))
    rows = (
        students.select_related("college", "campus")
        .prefetch_related(*([] if slots_known else [slots]))
        .annotate(
            captured_at=Subquery(active.values("captured_at")[:1]),
            captured_wrong_slot=Subquery(active.values("wrong_slot")[:1]),
        )
    )
    if one_college:
        return rows.order_by("class_name", "student_no")
    return rows.order_by("college__sort_order", "class_name", "student_no")


def with_slots(rows: Iterable[Student], slots: dict[int, Slot]) -> list[Student]:
    """The rows with their assigned slot set from `slots` (a slot missing there, assigned since
    the slots were read, loads on first use)."""
    rows = list(rows)
    for row in rows:
        slot = slots.get(row.assigned_slot_id) if row.assigned_slot_id is not None else None
        if slot is not None:
            Student.assigned_slot.field.set_cached_value(row, slot)
    return rows


def filter_students(
    students: QuerySet[Student], *, class_name: str = "", status: str = "", query: str = ""
) -> QuerySet[Student]:
    if class_name:
        students = students.filter(class_name=class_name)
    if query:
        students = students.filter(Q(student_no__icontains=query) | Q(name__icontains=query))
    active = Capture.objects.filter(ACTIVE, student=OuterRef("pk"))
    if status == CaptureFilter.CAPTURED:
        students = students.filter(Exists(active))
    elif status == CaptureFilter.NOT_CAPTURED:
        students = students.filter(~Exists(active))
    elif status == CaptureFilter.WRONG_SLOT:
        students = students.filter(Exists(active.filter(wrong_slot=True)))
    return students


# What the student's page shows of their newest 拍摄号, read beside the active capture.
_SHOT_FIELDS = {
    "id": "pk",
    "number": "number",
    "day": "day",
    "group_name": "group__name",
    "voided_at": "voided_at",
    "void_code": "void_code",
}


def active_capture(student: Student) -> Capture | None:
    """The student's active capture, read once per student object: the home page and its panels
    both ask. Its newest 拍摄号 comes in the same query (`student_shot` reads it from there)."""
    memo = vars(student)  # an attribute the model does not declare, kept on this one object
    if "_active_capture" not in memo:
        newest = Shot.objects.filter(capture=OuterRef("pk")).order_by("-pk")
        memo["_active_capture"] = (
            student.captures.filter(ACTIVE)
            .select_related("slot")
            .annotate(**{f"shot_{name}": Subquery(newest.values(path)[:1]) for name, path in _SHOT_FIELDS.items()})
            .first()
        )
    found: Capture | None = memo["_active_capture"]
    return found


@functools.cache
def _home_reads() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the panels' FilteredRelations and of the page's values (registered once)."""
    reads = student_panel_reads()
    return tuple(reads.relations), reads.page_values


def _home_query(user_id: Param) -> QuerySet[Student]:
    """scope.student_profiles and, in the same query, what the student's home page reads beside
    it: the active capture and its newest 拍摄号 (as `active_capture` and `student_shot` give
    them), the rows and values the panels declared and the page's own values
    (core.registries.student_panel, student_page_value)."""
    reads = student_panel_reads()
    # Only what the page shows (not the college, nor the capture's slot). A list, not literals: the
    # type checker's plugin does not know FilteredRelation names.
    related = ["campaign", "assigned_slot__group__location__campus", "home_capture", *reads.select_related]
    newest = Shot.objects.filter(capture__student=OuterRef("pk"), capture__undone_at__isnull=True).order_by("-pk")
    return (
        student_profiles_of(user_id)
        # At most one active capture per student (capture_one_active_per_student).
        .annotate(
            home_capture=FilteredRelation("captures", condition=Q(captures__undone_at__isnull=True)),
            **reads.relations,
        )
        # One subquery for the six fields.
        .annotate(home_shot=Subquery(newest.values(shot=JSONObject(**_SHOT_FIELDS))[:1]), **reads.annotations)
        .select_related(None)
        .select_related(*related)[:1]
    )


# Served on every request of every student: compiled once per process and, on PostgreSQL, prepared
# once per connection. Compiling it took more Python than the rest of the page, planning it six
# times the database's time to run it (bench/pages.py).
_HOME_PROFILE = CompiledQuery("student_home_profile", _home_query, user_id=IntegerField())


def student_home_profile(user: Any) -> Student | None:
    """scope.student_profile and, in the same query, everything the home page shows beside it:
    one query instead of one per panel (on this page each query costs more than its template)."""
    if not user.is_authenticated or not user.is_student:  # as scope.student_profiles
        return None
    student: Student | None = _HOME_PROFILE.first(user_id=user.pk)
    if student is not None:
        relations, _values = _home_reads()
        memo = vars(student)
        # A FilteredRelation that found no row sets no attribute: the panel must see None, not "not read".
        for name in relations:
            memo.setdefault(name, None)
        capture: Capture | None = memo.pop("home_capture", None)
        shot = memo.pop("home_shot") or {}
        if capture is not None:
            for name in _SHOT_FIELDS:
                setattr(capture, f"shot_{name}", _json_value(name, shot.get(name)))
        memo["_active_capture"] = capture
    return student


def student_page_values(student: Student) -> dict[str, Any]:
    """The page's own values read with the student by student_home_profile (the header's unread
    count), for the page's context; none for a student read elsewhere."""
    _relations, names = _home_reads()
    memo = vars(student)
    return {name: memo[name] for name in names if name in memo}


def _json_value(name: str, value: Any) -> Any:
    """A 拍摄号 field back from JSON: dates and times come as ISO text (naive UTC on SQLite)."""
    if value is None:
        return None
    if name == "day":
        return datetime.date.fromisoformat(value)
    if name == "voided_at":
        moment = parse_datetime(value)
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return moment
    return value


def student_shot(student: Student) -> Shot | None:
    """The 拍摄号 of the student's active capture (the newest, voided ones shown as such), or None."""
    capture = active_capture(student)
    # The shot_* values are annotations of active_capture's query (Subquery per field).
    shot: dict[str, Any] = {name: getattr(capture, f"shot_{name}", None) for name in _SHOT_FIELDS}
    if capture is None or shot["id"] is None:
        return None
    return Shot(
        pk=shot["id"],
        number=shot["number"],
        day=shot["day"],
        group=CaptureGroup(pk=None, name=shot["group_name"]),
        capture=capture,
        voided_at=shot["voided_at"],
        void_code=shot["void_code"],
    )


def class_names(students: QuerySet[Student]) -> list[str]:
    return list(students.exclude(class_name="").order_by("class_name").values_list("class_name", flat=True).distinct())


def capture_history(student: Student) -> list[Capture]:
    return list(
        Capture.objects.filter(student=student)
        .select_related("slot__group__location__campus", "captured_by", "undone_by")
        .order_by("-captured_at", "-id")
    )


def slot_history(student: Student) -> list[AuditEvent]:
    """Overrides of this student's slot, newest first (who, when, why)."""
    return describe(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Student),
            object_id=str(student.pk),
            action__in=["slot.override", "slot.override_clear"],
        ).select_related("actor")
    )


def unplaced_students(campaign: Campaign) -> QuerySet[Student]:
    """Students the rules put in no slot or in more than one: staff must place them by hand."""
    return (
        Student.objects.filter(campaign=campaign, slot_status__in=[SlotStatus.UNMATCHED, SlotStatus.AMBIGUOUS])
        .select_related("college", "campus")
        .order_by("slot_status", "college__sort_order", "college__name", "class_name", "student_no")
    )


# --- counts -----------------------------------------------------------------


@dataclass
class CollegeCount:
    college_id: int
    name: str
    expected: int
    captured: int

    @property
    def missing(self) -> int:
        return self.expected - self.captured

    @property
    def rate(self) -> float:
        return self.captured / self.expected if self.expected else 0.0


def college_counts(campaign: Campaign, colleges: Iterable[College]) -> list[CollegeCount]:
    """Per college with students: students on the roster and those with an active capture."""
    counts, _slots = college_figures(campaign, colleges)
    return counts


def college_figures(campaign: Campaign, colleges: Iterable[College]) -> tuple[list[CollegeCount], dict[int, set[int]]]:
    """college_counts, and per college the slots its students are assigned to, in one query.

    One GROUP BY over the given colleges' students (a college without students has no group, so
    none is listed), in the colleges' order; a list costs no query for the colleges themselves.
    The active capture is a LEFT JOIN (at most one per student: capture_one_active_per_student),
    the ids are literals and the names come from the list. Measured on 20,000 students (median,
    PostgreSQL's own time): one college 2.7 ms, all 14 colleges 33 ms, against 16 ms and 125 ms
    for COUNT(...) FILTER (WHERE EXISTS(...)) with the colleges as a subquery, which PostgreSQL ran
    as a hash of every capture probed row by row.
    """
    by_id = {college.pk: college for college in colleges}
    if not by_id:
        return [], {}
    rows = (
        Student.objects.filter(campaign=campaign, college_id__in=list(by_id))
        .annotate(active_capture=FilteredRelation("captures", condition=Q(captures__undone_at__isnull=True)))
        .order_by()
        .values("college_id", "assigned_slot_id")
        .annotate(expected=Count("pk"), captured=Count("active_capture"))
    )
    counts: dict[int, list[int]] = {}
    slots: dict[int, set[int]] = {}
    for row in rows:
        figures = counts.setdefault(row["college_id"], [0, 0])
        figures[0] += row["expected"]
        figures[1] += row["captured"]
        if row["assigned_slot_id"] is not None:
            slots.setdefault(row["college_id"], set()).add(row["assigned_slot_id"])
    listed = [
        CollegeCount(college.pk, college.name, *counts[college.pk])
        for college in sorted(by_id.values(), key=lambda c: (c.sort_order, c.name))
        if college.pk in counts
    ]
    return listed, slots


def totals(counts: list[CollegeCount]) -> CollegeCount:
    return CollegeCount(0, "", sum(c.expected for c in counts), sum(c.captured for c in counts))


@dataclass
class SlotLoad:
    slot: Slot
    audiences: list[Audience]
    expected: int
    captured: int
    capacity: int = 0  # the group's photographer units at the campaign's hourly rate, over the slot

    @property
    def minutes(self) -> int:
        return self.slot.minutes

    @property
    def per_minute(self) -> float:
        return self.expected / self.minutes if self.minutes > 0 else 0.0

    @property
    def per_minute_limit(self) -> float:
        """What the slot's photographers can take a minute: the threshold per_minute is read against."""
        return self.capacity / self.minutes if self.minutes > 0 else 0.0

    @property
    def load_percent(self) -> int:
        return round(100 * self.expected / self.capacity) if self.capacity else 0

    @property
    def near(self) -> bool:
        """Within 10 % of capacity: a late group or a slow desk makes it a queue."""
        return not self.over and self.load_percent >= 90

    @property
    def over(self) -> bool:
        return self.expected > self.capacity


@dataclass
class DayLoad:
    """One capture group on one day against its units' daily limit."""

    group: CaptureGroup
    date: datetime.date
    expected: int
    capacity: int

    @property
    def over(self) -> bool:
        return self.expected > self.capacity


def slot_loads(campaign: Campaign) -> list[SlotLoad]:
    """The schedule with each slot's head count against its length and capacity (two queries).

    Capacity is photographer units x the campaign's per-hour rate x the slot's length, rounded
    down: a slot of 80 minutes for one unit at 350 an hour takes 466 students.
    """
    assigned = Student.objects.filter(assigned_slot=OuterRef("pk"))
    captured = assigned.filter(Exists(Capture.objects.filter(ACTIVE, student=OuterRef("pk"))))
    slots = (
        Slot.objects.filter(group__campaign=campaign)
        .select_related("group__location__campus")
        .prefetch_related(Prefetch("audiences", queryset=Audience.objects.select_related("college", "campus")))
        .annotate(expected=count_of(assigned, "assigned_slot"), captured=count_of(captured, "assigned_slot"))
        .order_by("group__sort_order", "group__name", "date", "start_time")
    )
    return [
        SlotLoad(
            s,
            list(s.audiences.all()),
            s.expected,
            s.captured,
            s.group.photographer_units * campaign.unit_per_hour * max(s.minutes, 0) // 60,
        )
        for s in slots
    ]


def day_loads(campaign: Campaign, loads: list[SlotLoad]) -> list[DayLoad]:
    """Per capture group and day: the students of its slots against units x the daily limit."""
    days: dict[tuple[int, datetime.date], DayLoad] = {}
    for load in loads:
        group = load.slot.group
        day = days.get((group.pk, load.slot.date))
        if day is None:
            capacity = group.photographer_units * campaign.unit_per_day
            day = days[(group.pk, load.slot.date)] = DayLoad(group, load.slot.date, 0, capacity)
        day.expected += load.expected
    return list(days.values())


def slot_choices(campaign: Campaign) -> QuerySet[Slot]:
    return slot_choices_qs().filter(group__campaign=campaign)


def slots_by_id(ids: Iterable[int]) -> dict[int, Slot]:
    """The slots of these ids with group, location and campus, in the schedule's order."""
    return {slot.pk: slot for slot in slot_choices_qs().filter(pk__in=list(ids))}


def slot_choices_qs() -> QuerySet[Slot]:
    return Slot.objects.select_related("group__location__campus").order_by(
        "group__sort_order", "group__name", "date", "start_time"
    )


def slot_choices_with_audiences(campaign: Campaign) -> QuerySet[Slot]:
    """For choosing a student's slot by hand: each slot with who it serves (three queries in all)."""
    return slot_choices(campaign).prefetch_related("audiences__college", "audiences__campus")


def slot_label_with_audiences(slot: Slot) -> str:
    """ "金石滩第一组 11月26日 08:30–09:50 … · 经济管理学院、国际商学院"; audiences in their set order."""
    audiences = sorted(slot.audiences.all(), key=lambda audience: (audience.sequence, audience.pk))
    served = joined((audience.display_name() for audience in audiences), "、") or _("未指定拍摄对象")
    return f"{slot_label(slot)} · {served}"


def slot_label(slot: Slot) -> str:
    return f"{slot.group.name} {formatting.date_short(slot.date)} {slot.time_range()} {slot.group.location}"
