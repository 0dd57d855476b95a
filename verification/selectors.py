"""Reads for the verification pages and exports. Callers pass querysets already limited by
sessions_app.scope, so nothing here decides who sees what."""

import dataclasses
import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from sessions_app.models import College, Student

from .models import ESCALATED_TYPES, OPEN_STATUSES, ProblemReport, VerificationRecord


@dataclasses.dataclass
class CollegeProgress:
    college: College
    roster: int = 0
    captured: int = 0
    verified: int = 0
    pending: int = 0  # captured, not verified, deadline not passed
    overdue: int = 0  # captured, not verified, deadline passed
    problem: int = 0  # not verified with an open problem report (overlaps pending/overdue)

    @property
    def verified_percent(self) -> int:
        return round(100 * self.verified / self.captured) if self.captured else 0


def college_progress(*, students: QuerySet[Student], today: datetime.date) -> list[CollegeProgress]:
    """Per college: four aggregate queries whatever the number of students."""
    rows: dict[int, CollegeProgress] = {}
    colleges = College.objects.filter(pk__in=students.values("college_id")).order_by("sort_order", "name")
    for college in colleges:
        rows[college.pk] = CollegeProgress(college=college)
    for college_id, n in (
        students.order_by().values("college_id").annotate(n=Count("id")).values_list("college_id", "n")
    ):
        rows[college_id].roster = n
    unverified = Q(confirmed_at__isnull=True)
    records = VerificationRecord.objects.filter(is_active=True, student__in=students).order_by()
    counts = (
        records.values("student__college_id")
        .annotate(
            captured=Count("id"),
            verified=Count("id", filter=~unverified),
            pending=Count("id", filter=unverified & Q(due_date__gte=today)),
            overdue=Count("id", filter=unverified & Q(due_date__lt=today)),
        )
        .values_list("student__college_id", "captured", "verified", "pending", "overdue")
    )
    for college_id, captured, verified, pending, overdue in counts:
        row = rows[college_id]
        row.captured, row.verified, row.pending, row.overdue = captured, verified, pending, overdue
    problems = (
        records.filter(unverified, student__problem_reports__status__in=OPEN_STATUSES)
        .values("student__college_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("student__college_id", "n")
    )
    for college_id, n in problems:
        rows[college_id].problem = n
    return list(rows.values())


def totals(progress: list[CollegeProgress]) -> CollegeProgress:
    total = CollegeProgress(college=College(name="合计"))
    for row in progress:
        for name in ("roster", "captured", "verified", "pending", "overdue", "problem"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


def overdue_records(*, students: QuerySet[Student], today: datetime.date) -> QuerySet[VerificationRecord]:
    """The students whose graduation data cannot be submitted: captured, unverified, past due."""
    return (
        VerificationRecord.objects.filter(
            is_active=True, confirmed_at__isnull=True, due_date__lt=today, student__in=students
        )
        .select_related("student__college")
        .order_by(
            "student__college__sort_order", "student__college__name", "student__class_name", "student__student_no"
        )
    )


def unconfirmed_records(*, students: QuerySet[Student], today: datetime.date) -> QuerySet[VerificationRecord]:
    """Captured, not yet confirmed, deadline still ahead: the ones a reminder can still help."""
    return (
        VerificationRecord.objects.filter(
            is_active=True, confirmed_at__isnull=True, due_date__gte=today, student__in=students
        )
        .select_related("student__college")
        .order_by("due_date", "student__college__sort_order", "student__class_name", "student__student_no")
    )


def reports_for(*, students: QuerySet[Student], status: str | None = None) -> QuerySet[ProblemReport]:
    qs = ProblemReport.objects.filter(student__in=students).select_related("student__college")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def student_overview(*, student: Student) -> dict[str, Any]:
    """The student's own page: the active record and their reports with every step."""
    record = VerificationRecord.objects.filter(student=student, is_active=True).first()
    reports = list(
        ProblemReport.objects.filter(student=student).prefetch_related("steps__actor").order_by("-created_at", "-id")
    )
    waiting_on = next((r for r in reports if r.problem_type in ESCALATED_TYPES and r.status in OPEN_STATUSES), None)
    return {"record": record, "reports": reports, "waiting_on": waiting_on}


def record_state(*, confirmed_at: datetime.datetime | None, due_date: datetime.date, today: datetime.date) -> str:
    """One active record's state: confirmed, pending (due date not passed) or overdue; the same
    split as college_progress's counts, for a reader that shows one student (the API)."""
    if confirmed_at is not None:
        return "confirmed"
    return "pending" if due_date >= today else "overdue"
