"""Retake requests: filing, photos, the automatic check, review, paper photos (reminders: reminders.py).

Every function that acts for a person takes `actor` and refuses, with a coded RetakeError and
nothing written, what that person may not do, whoever calls it: a student acts only on their own
requests, a counselor only on their students' (sessions_app.scope), staff on any; only staff
review, and a student does not log paper photos. actor=None is the server itself (the demo).
"""

import datetime
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from core.errors import CodedError
from core.locking import lock_row
from notifications.models import Channel as NotifyChannel
from notifications.services import notify
from sessions_app.models import Student
from sessions_app.scope import visible_students

from . import notices
from .models import (
    PAPER_PHOTO_CHANNELS,
    Channel,
    CheckStatus,
    EventNote,
    Reason,
    RetakeEvent,
    RetakePhoto,
    RetakeRequest,
    Review,
    Status,
)
from .photo_check import Finding, PhotoReport, check_photo
from .photo_check.config import load_config
from .photo_check.decode import decode
from .refusals import WORDS as REFUSALS

if TYPE_CHECKING:  # a development dependency: the checker's name for a lazy translation
    pass

# The Celery name of tasks.check_retake_photo, which this module enqueues.
CHECK_PHOTO_TASK = "retakes.check_retake_photo"

logger = logging.getLogger(__name__)


class RetakeError(CodedError):
    """A rule of the flow was broken: a code for callers and the params of its words (refusals.py).

    Raised as `RetakeError.of(code, **params)`; the photo's own refusals below carry their findings.
    """

    words = REFUSALS


class PhotoRejected(RetakeError):
    """The upload is not an image we can store; nothing was stored."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__(None, "photo_rejected", {"findings": [f.as_dict() for f in findings]})


class NoteRequired(RetakeError):
    """The photo fails the automatic check and no note says why it is submitted anyway; nothing was stored."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__(None, "note_required", {"findings": [f.as_dict() for f in findings]})


# --- who may act ----------------------------------------------------------------------


def _for_student(actor: User | None, student: Student, *, students_too: bool = True) -> None:
    """The student's own requests: the student, their counselor, staff (or the server)."""
    if actor is None or actor.is_academic_staff:
        return
    if not (actor.is_counselor or (students_too and actor.is_student)):
        raise RetakeError.of("role_forbidden", what="paper" if actor.is_student else "")
    if visible_students(actor).filter(pk=student.pk).exists():
        return
    if actor.is_student:
        raise RetakeError.of("not_own_request")
    raise RetakeError.of("out_of_scope", name=student.name)


def _for_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_academic_staff:
        raise RetakeError.of("staff_only", what="review")


# Which status may follow which. Submitting a new photo is allowed until a reviewer has
# accepted one, so a student can replace a photo the check failed without waiting for staff.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.PHOTO_SUBMITTED, Status.CANCELLED}),
    Status.PHOTO_SUBMITTED: frozenset({Status.CHECKED, Status.PHOTO_SUBMITTED, Status.CANCELLED}),
    Status.CHECKED: frozenset({Status.ACCEPTED, Status.RETURNED, Status.PHOTO_SUBMITTED, Status.CANCELLED}),
    Status.RETURNED: frozenset({Status.PHOTO_SUBMITTED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.DONE}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def _move(
    request: RetakeRequest,
    target: str,
    *,
    actor: User | None,
    note: str = "",
    code: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Change the status of a locked request and write the history row.

    `note` is what a person typed; `code` + `data` is a note of the system's own (EventNote).
    """
    if not can_transition(request.status, target):
        raise RetakeError.of("bad_transition", current=str(request.status), target=str(target))
    RetakeEvent.objects.create(
        request=request,
        actor=actor,
        from_status=request.status,
        to_status=target,
        note=note[:500],
        note_code=code,
        note_data=data or {},
    )
    request.status = target


def _locked(request: RetakeRequest) -> RetakeRequest:
    # of=("self",): lock the request row only; PostgreSQL refuses to lock the outer-joined photo.
    return lock_row(
        RetakeRequest.objects.select_related("campaign", "student", "current_photo").filter(pk=request.pk),
        of=("self",),
    )


# --- filing ---------------------------------------------------------------------------


def create_request(
    *,
    student: Student,
    actor: User,
    reason: str,
    channel: str,
    planned_date: datetime.date | None = None,
    reason_detail: str = "",
    note: str = "",
) -> RetakeRequest:
    _for_student(actor, student)
    reason_detail = (reason_detail or "").strip()
    if reason not in Reason.values:
        raise RetakeError.of("reason_missing")
    if channel not in Channel.values:
        raise RetakeError.of("channel_missing")
    if reason == Reason.OTHER and not reason_detail:
        raise RetakeError.of("other_reason_missing")
    try:
        with transaction.atomic():
            request = RetakeRequest.objects.create(
                campaign_id=student.campaign_id,
                student=student,
                reason=reason,
                reason_detail=reason_detail[:200],
                channel=channel,
                planned_date=planned_date,
                note=(note or "").strip(),
                created_by=actor,
            )
            RetakeEvent.objects.create(request=request, actor=actor, to_status=Status.REQUESTED)
            record_event(
                actor=actor,
                action="retake.request",
                campaign=student.campaign,
                obj=request,
                data={"student_id": student.pk, "reason": reason, "channel": channel},
            )
    except IntegrityError:
        raise RetakeError.of("already_open", name=student.name) from None
    return request


def cancel_request(*, request: RetakeRequest, actor: User, reason: str = "") -> RetakeRequest:
    with transaction.atomic():
        request = _locked(request)
        _for_student(actor, request.student)
        _move(request, Status.CANCELLED, actor=actor, note=(reason or "").strip())
        request.save(update_fields=["status", "updated_at"])
    return request


# --- photos ---------------------------------------------------------------------------


def submit_photo(
    *, request: RetakeRequest, data: bytes, actor: User, note: str = "", note_if_failing: bool = False
) -> RetakePhoto:
    """Store an electronic photo for the request and queue its automatic check.

    Only bytes that decode as a JPEG or PNG are stored (under a random name); anything else
    raises PhotoRejected with the findings and leaves no trace. With `note_if_failing` (the
    upload page, which asks for a note when the photo fails), a photo without a note is checked
    here first and a failing one raises NoteRequired, storing nothing: the page's "仍然提交"
    needs the note. The stored photo is still checked by the worker, as every photo is.
    """
    _for_student(actor, request.student)
    cfg = load_config()
    if len(data) > cfg.upload_max_bytes:
        raise RetakeError.of(
            "file_too_large", size=f"{len(data) / 1024 / 1024:.1f}", max=f"{cfg.upload_max_bytes / 1024 / 1024:.0f}"
        )
    decoded = decode(data, cfg)
    if decoded.rgb is None:
        raise PhotoRejected(decoded.findings)
    if not can_transition(request.status, Status.PHOTO_SUBMITTED):
        raise RetakeError.of("not_accepting_photos", status=str(request.status))
    if note_if_failing and not (note or "").strip():
        # Tens of milliseconds of CPU, as the page's own self-check costs.
        report = check_photo(data, backgrounds=request.campaign.photo_backgrounds)
        if not report.ok:
            raise NoteRequired(report.findings)

    extension = "png" if decoded.format == "PNG" else "jpg"
    photo = RetakePhoto(
        request=request,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format="PNG" if decoded.format == "PNG" else "JPEG",
        width=decoded.width,
        height=decoded.height,
        uploaded_by=actor,
        note=(note or "").strip(),
    )
    # The file is written before the row: a failed transaction leaves an orphan file that we
    # remove below, never a row pointing at nothing.
    photo.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            locked = _locked(request)
            _move(locked, Status.PHOTO_SUBMITTED, actor=actor, code=EventNote.PHOTO_SUBMITTED)
            photo.request = locked
            photo.save()
            locked.current_photo = photo
            locked.save(update_fields=["status", "current_photo", "updated_at"])
            record_event(
                actor=actor,
                action="retake.photo",
                campaign=locked.campaign,
                obj=photo,
                data={
                    "student_id": locked.student_id,
                    "request_id": locked.pk,
                    "sha256": photo.sha256,
                    "size": photo.size,
                },
            )
            # A broker that is down does not fail the upload: the photo stays pending and the
            # sweeper (retakes.sweep_pending_checks) queues its check later.
            _enqueue_check(photo.pk)
    except BaseException:
        photo.file.delete(save=False)
        raise
    request.status, request.current_photo = locked.status, photo
    return photo


@dataclass(frozen=True)
class Attached:
    """What a batch did with one student's photo: `outcome` "attached" or "unchanged" (the same
    file is already the request's current photo), the request, and whether it was created."""

    outcome: str
    request: RetakeRequest
    photo: RetakePhoto
    created: bool


def attach_checked_photo(
    *,
    student: Student,
    data: bytes,
    report: PhotoReport,
    actor: User,
    channel: str,
    reason: str = Reason.MISSED_SHOOT,
    batch: str = "",
) -> Attached:
    """A batch's photo, already checked (by the batch's process pool), attached to the student's
    open retake request, which is filed with `channel` when the student has none.

    The same rules as one upload (submit_photo): the actor must be allowed to act for the student,
    only a decodable JPEG or PNG is stored, and only a request still taking photos gets one. The
    check's result is recorded with the photo, so no second check is queued. A file that is
    already the request's current photo (the same zip uploaded again) is not stored twice.
    """
    _for_student(actor, student, students_too=False)
    if channel not in Channel.values:
        raise RetakeError.of("channel_missing")
    if not report.decoded:
        raise PhotoRejected(report.findings)
    cfg = load_config()
    if len(data) > cfg.upload_max_bytes:
        raise RetakeError.of("file_too_large")
    digest = hashlib.sha256(data).hexdigest()
    request = (
        RetakeRequest.objects.filter(campaign_id=student.campaign_id, student=student)
        .exclude(status__in=(Status.DONE, Status.CANCELLED))
        .select_related("current_photo")
        .first()
    )
    if request is not None and request.current_photo is not None and request.current_photo.sha256 == digest:
        return Attached("unchanged", request, request.current_photo, created=False)
    if request is not None and not can_transition(request.status, Status.PHOTO_SUBMITTED):
        raise RetakeError.of("not_accepting_photos", status=str(request.status))
    extension = "png" if report.format == "PNG" else "jpg"
    status = CheckStatus.PASSED if report.ok else CheckStatus.FAILED
    photo = RetakePhoto(
        sha256=digest,
        size=len(data),
        format="PNG" if report.format == "PNG" else "JPEG",
        width=report.width,
        height=report.height,
        uploaded_by=actor,
        check_status=status,
        findings=[f.as_dict() for f in report.findings],
        measurements=report.measurements,
        checked_at=timezone.now(),
    )
    photo.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            # Filed in the photo's transaction: a photo that cannot be stored leaves no empty request.
            created = request is None
            if request is None:
                # Made in this transaction, so nobody else can see it yet: no lock to take.
                locked = create_request(student=student, actor=actor, reason=reason, channel=channel)
                locked.campaign, locked.student = student.campaign, student
            else:
                locked = _locked(request)
            _move(locked, Status.PHOTO_SUBMITTED, actor=actor, code=EventNote.PHOTO_SUBMITTED)
            photo.request = locked
            photo.save()
            code = EventNote.CHECK_PASSED if status == CheckStatus.PASSED else EventNote.CHECK_FAILED
            _move(locked, Status.CHECKED, actor=None, code=code, data={"findings": len(photo.findings)})
            locked.current_photo = photo
            locked.save(update_fields=["status", "current_photo", "updated_at"])
            record_event(
                actor=actor,
                action="retake.photo",
                campaign=locked.campaign,
                obj=photo,
                data={
                    "student_id": locked.student_id,
                    "request_id": locked.pk,
                    "sha256": photo.sha256,
                    "size": photo.size,
                    "batch": batch,
                },
            )
    except BaseException:
        photo.file.delete(save=False)
        raise
    return Attached("attached", locked, photo, created=created)


def _enqueue_check(photo_id: int) -> None:
    # By name: tasks.py calls this module, so importing it here would close a cycle.
    current_app.tasks[CHECK_PHOTO_TASK].enqueue(photo_id)


def run_photo_check(*, photo_id: int) -> RetakePhoto | None:
    """The Celery job's body. Only a pending photo is checked, so a redelivered task changes nothing."""
    photo = (
        RetakePhoto.objects.filter(pk=photo_id, check_status=CheckStatus.PENDING)
        .select_related("request__campaign")
        .first()
    )
    if photo is None:
        return None
    try:
        with photo.file.open("rb") as stream:
            data = stream.read()
    except OSError:
        logger.warning("retake photo %s: file missing", photo_id)
        report, status = None, CheckStatus.ERROR
    else:
        # Checked outside the transaction: the face detector takes tens of milliseconds
        # and must not hold the row lock meanwhile.
        report = check_photo(data, backgrounds=photo.request.campaign.photo_backgrounds)
        status = CheckStatus.PASSED if report.ok else CheckStatus.FAILED
        if settings.RETAKES_TEST_CHECK_DELAY:  # only the worker-kill test sets it; it waits for this line
            logger.warning("retake photo %s measured, held before recording", photo_id)
            time.sleep(settings.RETAKES_TEST_CHECK_DELAY)
    with transaction.atomic():
        photo = lock_row(RetakePhoto.objects.select_related("request").filter(pk=photo_id), of=("self",))
        if photo.check_status != CheckStatus.PENDING:
            return photo
        photo.check_status = status
        photo.findings = [f.as_dict() for f in report.findings] if report else []
        photo.measurements = report.measurements if report else {}
        photo.checked_at = timezone.now()
        photo.save(update_fields=["check_status", "findings", "measurements", "checked_at"])
        request = _locked(photo.request)
        # A newer photo may have replaced this one meanwhile; only the current one moves the request.
        if request.current_photo_id == photo.pk and request.status == Status.PHOTO_SUBMITTED:
            code = {
                CheckStatus.PASSED: EventNote.CHECK_PASSED,
                CheckStatus.FAILED: EventNote.CHECK_FAILED,
                CheckStatus.ERROR: EventNote.CHECK_ERROR,
            }[status]
            _move(request, Status.CHECKED, actor=None, code=code, data={"findings": len(photo.findings)})
            request.save(update_fields=["status", "updated_at"])
    return photo


# --- review and paper photos ----------------------------------------------------------


def review_photo(*, request: RetakeRequest, actor: User, accept: bool, reason: str = "") -> RetakeRequest:
    """Staff accept the current photo (with a reason if it failed the check) or return it for another."""
    _for_staff(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        request = _locked(request)
        photo = request.current_photo
        if request.status != Status.CHECKED or photo is None:
            raise RetakeError.of("not_reviewable")
        photo = lock_row(RetakePhoto.objects.filter(pk=photo.pk))
        if accept and photo.check_status != CheckStatus.PASSED and not reason:
            raise RetakeError.of("override_reason_missing")
        if not accept and not reason:
            raise RetakeError.of("return_reason_missing")
        photo.review = Review.ACCEPTED if accept else Review.RETURNED
        photo.reviewed_by = actor
        photo.reviewed_at = timezone.now()
        photo.review_reason = reason[:500]
        photo.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_reason"])
        _move(request, Status.ACCEPTED if accept else Status.RETURNED, actor=actor, note=reason)
        if accept:
            _finish_if_complete(request, actor=actor)
        request.save(update_fields=["status", "updated_at"])
        # The decision reaches the student's inbox (and mail): once per reviewed photo.
        notify(
            recipient=request.student,
            kind="retake_decision",
            subject=photo,
            step="accepted" if accept else "returned",
            code=notices.ACCEPTED if accept else notices.RETURNED,
            data={"status": request.status, "reason": reason[:500]},
            channels=(NotifyChannel.INBOX.value, NotifyChannel.EMAIL.value),
        )
        record_event(
            actor=actor,
            action="retake.accept" if accept else "retake.return",
            campaign=request.campaign,
            obj=request,
            data={
                "student_id": request.student_id,
                "photo_id": photo.pk,
                "check_status": photo.check_status,
                "reason": reason,
            },
        )
    return request


def record_paper_photo(*, request: RetakeRequest, actor: User, now: datetime.datetime | None = None) -> RetakeRequest:
    with transaction.atomic():
        request = _locked(request)
        _for_student(actor, request.student, students_too=False)
        if request.status == Status.CANCELLED:
            raise RetakeError.of("cancelled")
        if request.paper_photo_received_at is not None:
            raise RetakeError.of("paper_already_received", when=request.paper_photo_received_at.isoformat())
        request.paper_photo_received_at = now or timezone.now()
        request.paper_photo_received_by = actor
        RetakeEvent.objects.create(
            request=request,
            actor=actor,
            from_status=request.status,
            to_status=request.status,
            note_code=EventNote.PAPER_RECEIVED,
        )
        _finish_if_complete(request, actor=actor)
        request.save(update_fields=["paper_photo_received_at", "paper_photo_received_by", "status", "updated_at"])
    return request


def undo_paper_photo(*, request: RetakeRequest, actor: User, reason: str = "") -> RetakeRequest:
    """Take back a mistaken "已收到纸质照片": the request needs its paper photo again.

    The counselor who recorded it, or staff, may do so; a request it had completed goes back to
    "accepted". The history keeps both the record and its undoing.
    """
    with transaction.atomic():
        request = _locked(request)
        _for_student(actor, request.student, students_too=False)
        if request.paper_photo_received_at is None:
            raise RetakeError.of("paper_not_received")
        if actor is not None and not actor.is_academic_staff and request.paper_photo_received_by_id != actor.pk:
            raise RetakeError.of("paper_not_yours")
        before = request.status
        if request.status == Status.DONE and request.channel in PAPER_PHOTO_CHANNELS:
            request.status = Status.ACCEPTED
        RetakeEvent.objects.create(
            request=request,
            actor=actor,
            from_status=before,
            to_status=request.status,
            note=(reason or "").strip()[:500],
            note_code=EventNote.PAPER_UNDONE,
        )
        request.paper_photo_received_at = None
        request.paper_photo_received_by = None
        request.save(update_fields=["paper_photo_received_at", "paper_photo_received_by", "status", "updated_at"])
    return request


def _finish_if_complete(request: RetakeRequest, *, actor: User) -> None:
    paper_done = request.channel not in PAPER_PHOTO_CHANNELS or request.paper_photo_received_at is not None
    if request.status == Status.ACCEPTED and paper_done:
        _move(request, Status.DONE, actor=actor, code=EventNote.DONE)
