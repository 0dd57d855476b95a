"""Verification records, confirmations and problem reports: the rules of issue 4, section 3.

Reminders live in verification/reminders.py and the CHSI status import in
verification/chsi_import.py; both call into the date rule here.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import Role, User
from core.calendar import add_working_days
from core.errors import CodedError
from core.locking import lock_row, lock_rows
from core.rows import RowBatch
from notifications.services import notify
from sessions_app.models import Campaign, Capture, Student, WindowUnit
from sessions_app.scope import visible_colleges

from . import notices
from .models import (
    ESCALATED_TYPES,
    OPEN_STATUSES,
    ConfirmationSource,
    ProblemReport,
    ProblemType,
    ReportStatus,
    ReportStep,
    StepAction,
    StepNote,
    VerificationRecord,
)
from .refusals import WORDS as REFUSALS


class VerificationError(CodedError):
    """A rule refused the action: a code for callers and the params of its words (refusals.py),
    raised as `VerificationError.of(code, **params)`."""

    words = REFUSALS


# --- who may act ---------------------------------------------------------------
# Every function below that acts for a person takes `actor` and refuses what that actor may not
# do, whoever calls it (a view, the demo, an import, a future API). actor=None is the server
# itself (a command, an import without a person); staff (教务处) act on any student.


def _for_student_only(*, student: Student, actor: User | None) -> None:
    """The student's own record and reports: the student themselves (or staff, or the server)."""
    if actor is None or actor.is_academic_staff:
        return
    if not actor.is_student or student.user_id != actor.pk:
        raise VerificationError.of("not_own_record")


def _for_college(*, student: Student, actor: User | None) -> None:
    """A student's report at the college: a coordinator of the student's college (or staff, the server)."""
    if actor is None or actor.is_academic_staff:
        return
    if not actor.is_coordinator:
        raise VerificationError.of("role_forbidden")
    if not visible_colleges(actor).filter(pk=student.college_id).exists():
        raise VerificationError.of("out_of_scope", name=student.name)


def _for_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_academic_staff:
        raise VerificationError.of("staff_only")


# --- the clock ---------------------------------------------------------------


def due_date_for(*, campaign: Campaign, captured_on: datetime.date) -> datetime.date:
    """The last day the student may confirm on CHSI: capture date + the campaign's window."""
    if campaign.verification_window_unit == WindowUnit.WORKING_DAYS:
        return add_working_days(captured_on, campaign.verification_window)
    return captured_on + datetime.timedelta(days=campaign.verification_window)


def refresh_due_dates(*, campaign: Campaign) -> int:
    """Staff may edit the window after the shoot; stored due dates (kept for indexed overdue
    lists) follow it. One UPDATE per capture day, not per student. Returns rows changed."""
    records = VerificationRecord.objects.filter(campaign=campaign)
    changed = 0
    for captured_on in records.order_by().values_list("captured_on", flat=True).distinct():
        due = due_date_for(campaign=campaign, captured_on=captured_on)
        # updated_at too: the API's change feed (api.selectors) finds changed records by it.
        changed += (
            records.filter(captured_on=captured_on)
            .exclude(due_date=due)
            .update(due_date=due, updated_at=timezone.now())
        )
    return changed


def days_left(*, due_date: datetime.date, today: datetime.date) -> int:
    return (due_date - today).days


def open_record_for_capture(*, capture: Capture, batch: RowBatch | None = None) -> VerificationRecord | None:
    """Start the student's clock; called by capture_day.services.check_in inside the capture's transaction.

    One INSERT: an undo closes the old clock (close_record_for_capture), so a new capture finds
    none open, and the constraint verification_one_active_per_student refuses a second open
    one rather than letting two clocks run. With `batch` (the desk swipe's) the row is added to
    it, written when the batch is flushed in the same transaction, and None is returned.
    """
    captured_on = timezone.localdate(capture.captured_at)
    campaign = capture.campaign
    values = {
        "capture": capture,
        "campaign": campaign,
        "student_id": capture.student_id,
        "captured_on": captured_on,
        "due_date": due_date_for(campaign=campaign, captured_on=captured_on),
    }
    if batch is not None:
        batch.add(VerificationRecord, **values)
        return None
    return VerificationRecord.objects.create(**values)


def close_record_for_capture(*, capture: Capture) -> None:
    VerificationRecord.objects.filter(capture=capture, is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )


# --- confirmation ------------------------------------------------------------


def open_escalated_report(*, student: Student) -> ProblemReport | None:
    """A wrong photo or wrong data the student reported and nobody has fixed yet: confirming on
    CHSI now would confirm the very thing that is wrong."""
    return (
        ProblemReport.objects.filter(student=student, problem_type__in=ESCALATED_TYPES, status__in=OPEN_STATUSES)
        .order_by("created_at")
        .first()
    )


def confirm_verification(*, student: Student, actor: User, now: datetime.datetime | None = None) -> VerificationRecord:
    """The student says "I have checked and confirmed on CHSI". Idempotent."""
    _for_student_only(student=student, actor=actor)
    now = now or timezone.now()
    with transaction.atomic():
        record = lock_row(VerificationRecord.objects.filter(student=student, is_active=True), required=False)
        if record is None:
            raise VerificationError.of("not_captured")
        if record.confirmed_at is not None:
            return record
        waiting_on = open_escalated_report(student=student)
        if waiting_on is not None:
            raise VerificationError.of("report_open", report_id=waiting_on.pk, problem=waiting_on.problem_type)
        record.confirmed_at = now
        record.confirmed_by = actor
        record.confirmation_source = ConfirmationSource.STUDENT
        record.save(update_fields=["confirmed_at", "confirmed_by", "confirmation_source", "updated_at"])
        # The no-photo cases are solved on CHSI itself; a confirmation means they are over.
        for report in lock_rows(ProblemReport.objects.filter(student=student, status=ReportStatus.SELF_HELP)):
            _move(
                report, ReportStatus.RESOLVED, StepAction.CLOSED_BY_STUDENT, actor, "", code=StepNote.CONFIRMED_ON_CHSI
            )
        record_event(
            actor=actor,
            action="verification.confirm",
            campaign=record.campaign,
            obj=record,
            data={"student_id": student.pk},
        )
    return record


def withdrawable(record: VerificationRecord | None, now: datetime.datetime | None = None) -> VerificationError | None:
    """None if the student may take back this confirmation now, else the VerificationError saying why not."""
    if record is None or record.confirmed_at is None:
        return VerificationError.of("not_confirmed")
    if record.confirmation_source != ConfirmationSource.STUDENT:
        return VerificationError.of("confirmation_not_students")
    if timezone.localdate(record.confirmed_at) != timezone.localdate(now or timezone.now()):
        return VerificationError.of("withdraw_too_late")
    return None


def withdraw_confirmation(*, student: Student, actor: User, now: datetime.datetime | None = None) -> VerificationRecord:
    """A student takes back their own "I have confirmed" on the day they gave it (a mis-tap);
    from the next day on, or for a confirmation from CHSI's export or staff, it stands."""
    _for_student_only(student=student, actor=actor)
    now = now or timezone.now()
    with transaction.atomic():
        record = lock_row(VerificationRecord.objects.filter(student=student, is_active=True), required=False)
        refusal = withdrawable(record, now)
        if refusal is not None:
            raise refusal
        assert record is not None  # withdrawable() refuses a missing record
        record.confirmed_at = None
        record.confirmed_by = None
        record.confirmation_source = ""
        record.save(update_fields=["confirmed_at", "confirmed_by", "confirmation_source", "updated_at"])
        record_event(
            actor=actor,
            action="verification.confirm.withdraw",
            campaign=record.campaign,
            obj=record,
            data={"student_id": student.pk},
        )
    return record


# --- problem reports ---------------------------------------------------------


def _move(report: ProblemReport, status: str, action: str, actor: User | None, note: str, *, code: str = "") -> None:
    """`note` is what a person typed; `code` is a note of the system's own (StepNote)."""
    report.status = status
    report.save(update_fields=["status", "updated_at"])
    ReportStep.objects.create(report=report, action=action, actor=actor, note=note, note_code=code)


def report_problem(*, student: Student, problem_type: str, description: str, actor: User | None) -> ProblemReport:
    """The student (or 教务处's CHSI import, as staff or the server) opens a report."""
    _for_student_only(student=student, actor=actor)
    if problem_type not in ProblemType.values:
        raise VerificationError.of("problem_type_missing")
    description = (description or "").strip()
    escalated = problem_type in ESCALATED_TYPES
    if escalated and not description:
        raise VerificationError.of("description_missing")
    try:
        with transaction.atomic():
            report = ProblemReport.objects.create(
                campaign=student.campaign,
                student=student,
                problem_type=problem_type,
                description=description[:2000],
                status=ReportStatus.SUBMITTED if escalated else ReportStatus.SELF_HELP,
            )
            # The text stays on the report alone: steps are append-only, and what a student typed
            # must go when the campaign's personal data is erased (privacy.services).
            ReportStep.objects.create(report=report, action=StepAction.SUBMITTED, actor=actor)
            record_event(
                actor=actor,
                action="verification.problem.report",
                campaign=student.campaign,
                obj=report,
                data={"student_id": student.pk, "problem_type": report.problem_type},
            )
            if escalated:
                _tell_coordinators(report)
    except IntegrityError:
        raise VerificationError.of("already_reported") from None
    return report


def _tell_coordinators(report: ProblemReport) -> None:
    User = get_user_model()
    coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True, colleges=report.student.college_id)
    for coordinator in coordinators:
        notify(
            recipient=coordinator,
            kind="verification_problem",
            subject=report,
            step="submitted",
            code=notices.PROBLEM_SUBMITTED,
            data={
                "name": report.student.name,
                "no": report.student.student_no,
                "problem_type": report.problem_type,
                "text": report.description,
            },
            channels=("inbox", "email"),
        )


def _tell_student(report: ProblemReport, step: str, note: str) -> None:
    notify(
        recipient=report.student,
        kind="verification_problem",
        subject=report,
        step=step,
        code=notices.PROBLEM_STATUS,
        data={"problem_type": report.problem_type, "status": report.status, "note": note},
        channels=("inbox",),
    )


def _locked_report(report_id: int) -> ProblemReport:
    return lock_row(ProblemReport.objects.select_related("student", "campaign").filter(pk=report_id))


def forward_report(*, report: ProblemReport, actor: User, note: str = "") -> ProblemReport:
    """The coordinator reports it collectively to 教务处's student-status administrator."""
    with transaction.atomic():
        report = _locked_report(report.pk)
        _for_college(student=report.student, actor=actor)
        if report.problem_type not in ESCALATED_TYPES:
            raise VerificationError.of("not_escalated_type")
        if report.status != ReportStatus.SUBMITTED:
            raise VerificationError.of("not_forwardable", status=report.status)
        note = (note or "").strip()[:2000]
        _move(report, ReportStatus.FORWARDED, StepAction.FORWARDED, actor, note)
        record_event(
            actor=actor,
            action="verification.problem.forward",
            campaign=report.campaign,
            obj=report,
            data={"student_id": report.student_id, "problem_type": report.problem_type},
        )
        _tell_student(report, "forwarded", note)
    return report


def forward_reports(*, reports: list[ProblemReport], actor: User, note: str = "") -> tuple[int, int]:
    """统一上报: forward many reports in one go with one note, as the notice has colleges do.

    One transaction; a report that is not (or no longer) waiting for the college is skipped, not
    an error, so a page that is a minute old still forwards the rest (nor is one of a student
    outside the actor's colleges: forward_report refuses it). Returns (forwarded, skipped).
    """
    if actor is not None and not (actor.is_academic_staff or actor.is_coordinator):
        raise VerificationError.of("role_forbidden")
    forwarded = skipped = 0
    with transaction.atomic():
        for report in reports:
            try:
                forward_report(report=report, actor=actor, note=note)
            except VerificationError:
                skipped += 1
            else:
                forwarded += 1
    return forwarded, skipped


def resolve_report(*, report: ProblemReport, actor: User, note: str) -> ProblemReport:
    _for_staff(actor)
    note = (note or "").strip()[:2000]
    if not note:
        raise VerificationError.of("resolution_missing")
    with transaction.atomic():
        report = _locked_report(report.pk)
        if report.status == ReportStatus.RESOLVED:
            raise VerificationError.of("already_resolved")
        _move(report, ReportStatus.RESOLVED, StepAction.RESOLVED, actor, note)
        record_event(
            actor=actor,
            action="verification.problem.resolve",
            campaign=report.campaign,
            obj=report,
            data={"student_id": report.student_id, "problem_type": report.problem_type},
        )
        _tell_student(report, "resolved", note)
    return report


def close_report_by_student(*, report: ProblemReport, actor: User, note: str = "") -> ProblemReport:
    with transaction.atomic():
        report = _locked_report(report.pk)
        _for_student_only(student=report.student, actor=actor)
        if report.status not in OPEN_STATUSES:
            raise VerificationError.of("already_resolved")
        _move(report, ReportStatus.RESOLVED, StepAction.CLOSED_BY_STUDENT, actor, (note or "").strip()[:2000])
    return report
