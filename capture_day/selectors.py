"""Reads for the desk: the desks an operator may open, a desk's live figures and recent swipes,
its sign-in sheet and its group's 拍摄号, where a slot stands against the clock and which slot of
its group runs now. Each costs a fixed number of queries whatever the number of rows."""

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from core import rows
from sessions_app.models import Audience, Campaign, Capture, CaptureGroup, College, Shot, Slot, Student
from sessions_app.scope import desk_slots
from sessions_app.selectors import ACTIVE, CollegeCount, count_of
from sessions_app.services import Identifier, choose_student, with_active_capture

BEFORE, RUNNING, AFTER = "before", "running", "after"


def _at(date: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, time))


def slot_state(slot: Slot, now: datetime.datetime) -> str:
    """BEFORE, RUNNING or AFTER: the slot's times read in Asia/Shanghai (the portal's zone)."""
    if now < _at(slot.date, slot.start_time):
        return BEFORE
    return RUNNING if now < _at(slot.date, slot.end_time) else AFTER


@dataclass(frozen=True)
class DeskTiming:
    state: str
    slot: Slot
    running: Slot | None  # the group's slot that runs now, when it is not this one
    next: Slot | None  # when none runs: the group's next slot today, when it is not this one


def desk_timing(slot: Slot, *, now: datetime.datetime | None = None) -> DeskTiming:
    """This slot against the clock and its group's slots today (one query)."""
    now = timezone.localtime(now)
    state = slot_state(slot, now)
    today = list(Slot.objects.filter(group_id=slot.group_id, date=now.date()).order_by("start_time"))
    running = next((s for s in today if slot_state(s, now) == RUNNING), None)
    upcoming = next((s for s in today if slot_state(s, now) == BEFORE), None) if running is None else None
    return DeskTiming(
        state=state,
        slot=slot,
        running=running if running is not None and running.pk != slot.pk else None,
        next=upcoming if upcoming is not None and upcoming.pk != slot.pk else None,
    )


@dataclass(frozen=True)
class GateFacts:
    """What `services.desk_gate` asks of a slot, known from how `gated_desk_slot` read it: for
    `operator_id` on `today`, the slot is one of their desks (it came through scope.desk_slots,
    whose rule for an operator is their capture groups, the rule desk_gate applies)."""

    operator_id: int
    today: datetime.date
    mine: bool


def gated_desk_slot(*, pk: int, operator: Any, today: datetime.date) -> Slot | None:
    """The slot `pk` if `operator` may run its desk (None otherwise), with its group and campaign
    and the GateFacts that spare a swipe's desk_gate its query: one query for both."""
    slot = desk_slots(operator).select_related(None).select_related("group__campaign").filter(pk=pk).first()
    if slot is not None:
        vars(slot)["gate_facts"] = GateFacts(operator_id=operator.pk, today=today, mine=True)
    return slot


@dataclass(frozen=True)
class DeskFound:
    """Whom `identifier` names in the slot's campaign (`sessions_app.services.choose_student`'s
    answer), read with the slot by `desk_swipe_slot`: `services._record_capture` takes it once
    instead of asking `find_student` again."""

    identifier: str
    student: Student | None
    method: str


class _DeskRead:
    """The desk swipe's one read (see desk_swipe_slot), its text built once per process."""

    def __init__(self) -> None:
        self.slot = rows.ModelColumns(Slot, "s")
        self.group = rows.ModelColumns(CaptureGroup, "g")
        self.campaign = rows.ModelColumns(Campaign, "c")
        self.student = rows.ModelColumns(Student, "st")
        self.college = rows.ModelColumns(College, "co")
        self.active: list[Any] = [Capture._meta.get_field(f) for f in ("id", "captured_at", "wrong_slot", "slot")]
        members: Any = User._meta.get_field("capture_groups")
        through = members.remote_field.through
        col, t = rows.column, rows.table
        m_user, m_group = rows.quote(members.m2m_column_name()), rows.quote(members.m2m_reverse_name())
        active = ", ".join(f"a.{rows.quote(f.column)}" for f in self.active)
        campaign, id_number = col(Student, "campaign"), col(Student, "id_number")
        self.sql = (
            f"SELECT {self.slot.sql}, {self.group.sql}, {self.campaign.sql}, "
            f"EXISTS (SELECT 1 FROM {t(through)} m "
            f"WHERE m.{m_user} = %s AND m.{m_group} = g.{col(CaptureGroup, 'id')}), "
            f"{self.student.sql}, {self.college.sql}, {active} "
            f"FROM {t(Slot)} s JOIN {t(CaptureGroup)} g ON g.{col(CaptureGroup, 'id')} = s.{col(Slot, 'group')} "
            f"JOIN {t(Campaign)} c ON c.{col(Campaign, 'id')} = g.{col(CaptureGroup, 'campaign')} "
            # Every student the code may name, whatever ways the campaign accepts: choose_student decides.
            # The campaign is the slot's, read again in a subquery PostgreSQL runs once, before the join:
            # a value, not a join column, so each way of naming a student can use its index within the
            # campaign (campaign + id_number, student_no or code hash). Joined on c.id instead, PostgreSQL
            # read every student of the campaign on every swipe. The ID number's index leaves out
            # erased students (id_number ''), who match no code anyway.
            f"LEFT JOIN {t(Student)} st ON st.{campaign} = (SELECT g2.{col(CaptureGroup, 'campaign')} "
            f"FROM {t(Slot)} s2 JOIN {t(CaptureGroup)} g2 ON g2.{col(CaptureGroup, 'id')} = s2.{col(Slot, 'group')} "
            f"WHERE s2.{col(Slot, 'id')} = %s) "
            f"AND ((st.{id_number} = %s AND st.{id_number} <> '') OR st.{col(Student, 'student_no')} IN (%s, %s) "
            f"OR st.{col(Student, 'collection_code_hash')} = %s) "
            f"LEFT JOIN {t(College)} co ON co.{col(College, 'id')} = st.{col(Student, 'college')} "
            f"LEFT JOIN {t(Capture)} a ON a.{col(Capture, 'student')} = st.{col(Student, 'id')} "
            f"AND a.{col(Capture, 'undone_at')} IS NULL "
            f"WHERE s.{col(Slot, 'id')} = %s"
        )
        self.statement = rows.Prepared(self.sql)


@functools.cache
def _desk_read() -> _DeskRead:
    return _DeskRead()


def desk_swipe_slot(*, pk: int, operator: Any, today: datetime.date, identifier: str) -> Slot | None:
    """`gated_desk_slot` and the student the swipe names, in one query: the slot `pk` if `operator`
    may run its desk (None otherwise), with its group and campaign, its GateFacts and a DeskFound.

    The swipe's hot path (bench/checkin.py): one statement instead of the slot's and the
    student's, and no ORM query to compile. Whose desk it is follows scope.desk_slots (staff any,
    an operator their capture groups); whom the code names is `choose_student`, the rule
    find_student applies too.
    """
    parsed = Identifier.parse(identifier)
    if parsed is None or not (operator.is_academic_staff or operator.is_operator):
        return gated_desk_slot(pk=pk, operator=operator, today=today)
    read = _desk_read()
    numbers = sorted(parsed.numbers)
    params = [operator.pk, pk, parsed.code, numbers[0], numbers[-1], parsed.code_hash, pk]
    with connection.cursor() as cursor:
        read.statement.execute(cursor, params)
        found = cursor.fetchall()
    if not found:
        return None
    first = found[0]
    at = len(read.slot) + len(read.group) + len(read.campaign)
    if not (operator.is_academic_staff or first[at]):
        return None  # an operator's, not theirs: not there, as scope.desk_slots has it
    slot: Slot
    slot, group, campaign = (
        read.slot.read(first, 0),
        read.group.read(first, len(read.slot)),
        read.campaign.read(first, len(read.slot) + len(read.group)),
    )
    group.campaign = campaign
    slot.group = group
    candidates = []
    at += 1
    for row in found:
        student = read.student.read(row, at)
        if student is None:
            continue
        student.college = read.college.read(row, at + len(read.student))
        capture_id, captured_at, wrong_slot, slot_id = (
            rows.convert(f, v)
            for f, v in zip(read.active, row[at + len(read.student) + len(read.college) :], strict=True)
        )
        candidates.append(
            with_active_capture(
                student, capture_id=capture_id, captured_at=captured_at, wrong_slot=wrong_slot, slot_id=slot_id
            )
        )
    student, method = choose_student(campaign=campaign, identifier=parsed, candidates=candidates)
    vars(slot)["gate_facts"] = GateFacts(operator_id=operator.pk, today=today, mine=True)
    vars(slot)["desk_found"] = DeskFound(identifier=identifier, student=student, method=method)
    return slot


def desk_slot_rows(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """The desks an operator may open, each with its live figures (one query)."""
    assigned = Student.objects.filter(assigned_slot=OuterRef("pk"))
    captured = assigned.filter(Exists(Capture.objects.filter(ACTIVE, student=OuterRef("pk"))))
    return (
        slots.prefetch_related(Prefetch("audiences", queryset=Audience.objects.select_related("college", "campus")))
        .annotate(expected=count_of(assigned, "assigned_slot"), captured=count_of(captured, "assigned_slot"))
        .order_by("group__campaign__created_at", "group__sort_order", "group__name", "date", "start_time")
    )


@dataclass
class SlotCounts:
    expected: int
    captured: int
    wrong_slot_here: int
    by_college: list[CollegeCount]

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "captured": self.captured,
            "wrong_slot_here": self.wrong_slot_here,
            "by_college": [{"name": c.name, "expected": c.expected, "captured": c.captured} for c in self.by_college],
        }


def slot_counts(slot: Slot) -> SlotCounts:
    """Captured / expected of the students assigned to this slot, per college, in one query.

    captured counts their active captures wherever they were taken; wrong_slot_here counts
    students of other slots photographed at this desk, which the expected figure never includes
    (a subquery on every row, so the desk's answer costs one query; a slot nobody is assigned to
    costs a second).
    """
    wrong_here = Capture.objects.filter(ACTIVE, slot=slot, wrong_slot=True)
    counted = wrong_here.order_by().values("slot").annotate(n=Count("pk")).values("n")
    rows = list(
        Student.objects.filter(assigned_slot=slot)
        .order_by()
        .values("college_id", "college__name", "college__sort_order")
        .annotate(
            expected=Count("pk", distinct=True),
            captured=Count("captures", filter=Q(captures__undone_at__isnull=True), distinct=True),
            wrong_here=Max(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))),
        )
        .order_by("college__sort_order", "college__name")
    )
    by_college = [CollegeCount(r["college_id"], r["college__name"], r["expected"], r["captured"]) for r in rows]
    return SlotCounts(
        expected=sum(c.expected for c in by_college),
        captured=sum(c.captured for c in by_college),
        wrong_slot_here=rows[0]["wrong_here"] if rows else wrong_here.count(),
        by_college=by_college,
    )


def recent_captures(slot: Slot, *, limit: int = 10) -> list[Capture]:
    return list(
        Capture.objects.filter(slot=slot)
        .select_related("student__college", "student__assigned_slot__group__location__campus")
        .order_by("-captured_at", "-id")[:limit]
    )


def signin_students(slot: Slot, students: QuerySet[Student]) -> QuerySet[Student]:
    """The slot's students with the live 拍摄号 each took in the slot's group (`shot_number`, or None).

    One subquery, not a query per row: at most one live number per active capture
    (constraint shot_one_live_per_capture) and one active capture per student.
    """
    live_shot = Shot.objects.filter(
        capture__student=OuterRef("pk"),
        capture__undone_at__isnull=True,
        voided_at__isnull=True,
        group_id=slot.group_id,
    )
    return (
        students.filter(assigned_slot=slot)
        .annotate(shot_number=Subquery(live_shot.values("number")[:1]))
        .select_related("college")
        .order_by("college__sort_order", "college__name", "level", "class_name", "student_no")
    )


def group_day_shots(group_id: int, day: datetime.date) -> list[Shot]:
    """Every 拍摄号 of a group's day in the photographer's order, with student and state: one query."""
    return list(
        Shot.objects.filter(group_id=group_id, day=day)
        .select_related("group", "capture__student", "voided_by")
        .order_by("number")
    )
