"""Erasing personal data: a whole campaign when its retention ends, one student on request.

PIPL art. 19 keeps personal information only as long as its purpose needs; art. 47 lets a person
ask for theirs to be deleted. What goes: full ID numbers (a keyed hash stays to recognise a
returning student, and the masked form for display), phone numbers and e-mail addresses, 采集码
hashes, retake photos and their files, the free text of problem reports, retake requests and
their notifications, delivery addresses, and the campaign's job files and staged uploads. What
stays: the roster's names and numbers, captures, the fee ledger, the verification clock, the
audit trail (codes and counts), so the archive and every statistic still add up.

The append-only tables are never rewritten (their PostgreSQL triggers would refuse it): the fee
ledger and the audit trail hold codes, amounts and ids; what people typed into them (a fee
entry's note, a retake event's reason, a problem report step's note) stays. See
docs/DEVELOPING.md, "Retention and erasure".

A campaign is erased in batches of students, each in its own transaction that also marks its
students (`Student.erased_at`): a run killed half-way loses at most one batch's work, and the
next run continues with the students not yet marked.
"""

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Case, F, Field, Q, Value, When
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import Role, User
from core.errors import CodedError
from core.locking import lock_row, lock_rows
from fees.models import FeeAccount
from intake import staging
from jobs.models import ACTIVE_STATUSES, Job
from jobs.services import start_job
from notifications.models import Delivery, DeliveryStatus, Notification
from retakes.models import CLOSED_STATUSES, Reason, RetakePhoto, RetakeRequest
from sessions_app.idcard import id_number_hash, mask_id_number
from sessions_app.models import Campaign, Student
from sessions_app.phases import erase_after, is_closed
from verification.models import ProblemReport

from .models import ERASE_KIND, CampaignErasure
from .refusals import WORDS as REFUSALS

# A retake with reason "other" must keep a detail (retake_other_reason_explained): this stands in.
ERASED_DETAIL = "-"
# Keys of a notification's data that carry what a person typed (a problem's text, a staff note).
FREE_TEXT_KEYS = ("text", "note", "reason")

Progress = Callable[[int, int | None], None]


class PrivacyError(CodedError):
    """Raised as `PrivacyError.of(code, **params)`; its words are in refusals.py (the erasure job
    stores the code and params, and its page words them)."""

    words = REFUSALS


@dataclass
class ErasureReport:
    campaign: Campaign
    counts: dict[str, int] = field(default_factory=dict)
    finished: bool = False


def _no_progress(done: int, total: int | None) -> None:
    pass


def check_erasable(campaign: Campaign) -> None:
    """A campaign is erased only once it is closed (已结束): before that its data is still in use."""
    if not is_closed(campaign):
        raise PrivacyError.of("campaign_not_closed", campaign=campaign.code, name=campaign.name)


def erase_campaign(
    *,
    campaign: Campaign,
    actor: User | None,
    progress: Progress = _no_progress,
    batch_size: int | None = None,
) -> ErasureReport:
    """Erase the campaign's personal data; resumable (selectors.planned_counts is its dry run)."""
    check_erasable(campaign)
    batch_size = batch_size or settings.PRIVACY_ERASE_BATCH
    erasure, _created = CampaignErasure.objects.get_or_create(campaign=campaign)
    CampaignErasure.objects.filter(pk=erasure.pk).update(runs=F("runs") + 1)
    students = Student.objects.filter(campaign=campaign)
    total = students.count()
    remaining = students.filter(erased_at__isnull=True)
    done = total - remaining.count()
    counts: Counter[str] = Counter()
    progress(done, total)
    while True:
        ids = list(remaining.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        counts.update(erase_batch(ids, erasure_id=erasure.pk))
        done += len(ids)
        progress(done, total)
    counts.update(_erase_campaign_files(campaign))
    with transaction.atomic():
        erasure = lock_row(CampaignErasure.objects.filter(pk=erasure.pk))
        erasure.counts = _added(erasure.counts, {k: v for k, v in counts.items() if k not in _BATCH_COUNTS})
        erasure.finished_at = erasure.finished_at or timezone.now()
        erasure.save(update_fields=["counts", "finished_at"])
        record_event(
            actor=actor,
            action="privacy.campaign_erased",
            campaign=campaign,
            obj=erasure,
            data={"counts": dict(counts), "total": erasure.counts, "run": erasure.runs},
        )
    return ErasureReport(campaign=campaign, counts=dict(counts), finished=True)


# What erase_batch counts (added to CampaignErasure.counts in the batch's own transaction).
_BATCH_COUNTS = (
    "students",
    "id_numbers",
    "phones",
    "emails",
    "collection_codes",
    "accounts_closed",
    "photo_files",
    "retake_texts",
    "problem_texts",
    "notification_texts",
    "deliveries_cancelled",
    "delivery_addresses",
)


def _added(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    merged = Counter(total or {})
    merged.update({k: v for k, v in more.items() if v})
    return dict(merged)


def erase_batch(student_ids: list[int], *, erasure_id: int | None = None) -> dict[str, int]:
    """Erase these students (those not erased yet) in one transaction; what went, by code."""
    now = timezone.now()
    counts: Counter[str] = Counter()
    with transaction.atomic():
        students = lock_rows(
            Student.objects.filter(pk__in=student_ids, erased_at__isnull=True).only(
                "pk", "student_no", "id_number", "phone", "email", "collection_code_hash", "user_id"
            )
        )
        if not students:
            return {}
        pks = [s.pk for s in students]
        user_ids = [s.user_id for s in students if s.user_id is not None]
        for student in students:
            counts["students"] += 1
            counts["id_numbers"] += bool(student.id_number)
            counts["phones"] += bool(student.phone)
            counts["emails"] += bool(student.email)
            counts["collection_codes"] += student.collection_code_hash is not None
            if student.id_number:
                student.id_number_hash = id_number_hash(student.id_number)
                student.id_number_masked = mask_id_number(student.id_number)
        _keep_hashes([(s.pk, s.id_number_hash, s.id_number_masked) for s in students if s.id_number])
        Student.objects.filter(pk__in=pks).update(
            id_number="", phone="", email="", collection_code_hash=None, erased_at=now
        )
        if user_ids:
            User.objects.filter(pk__in=user_ids).update(phone="", email="")
            counts["accounts_closed"] += _close_student_accounts(
                {s.user_id: s.student_no for s in students if s.user_id is not None}
            )
        counts.update(_erase_retakes(pks))
        counts.update(_erase_problem_texts(pks))
        counts.update(_erase_notifications(pks, user_ids))
        if erasure_id is not None:
            erasure = lock_row(CampaignErasure.objects.filter(pk=erasure_id))
            erasure.counts = _added(erasure.counts, counts)
            erasure.save(update_fields=["counts"])
    return dict(counts)


def _close_student_accounts(numbers_by_user: dict[int, str]) -> int:
    """An erased student's login ends with their data: the account is switched off and its
    password made unusable (their open sessions end at the next request). Not when the same
    student number is on a roster whose data is still kept (a returning student logs in by it)."""
    kept = set(
        Student.objects.filter(erased_at__isnull=True, student_no__in=set(numbers_by_user.values())).values_list(
            "student_no", flat=True
        )
    )
    closing = [pk for pk, number in numbers_by_user.items() if number not in kept]
    return User.objects.filter(pk__in=closing, role=Role.STUDENT, is_active=True).update(
        is_active=False, password=make_password(None)
    )


def _column(name: str) -> str:
    field = Student._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _keep_hashes(rows: list[tuple[int, str, str]]) -> None:
    """Write each student's hash and masked number: one UPDATE .. FROM (VALUES ..) on PostgreSQL.

    bulk_update's CASE of 500 branches per column cost 9 of the 13 s of a 4,000-student erasure in
    Python (bench/erasure.py); elsewhere (SQLite: tests, the demo) one small UPDATE per row.
    Column names come from the model, so a renamed field cannot leave this behind.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(Student._meta.db_table)
    pk, hashed, masked = (quote(_column(f)) for f in ("id", "id_number_hash", "id_number_masked"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s, %s)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} SET {hashed} = v.hashed, {masked} = v.masked "
                f"FROM (VALUES {values}) AS v(pk, hashed, masked) WHERE {table}.{pk} = v.pk",
                [value for row in rows for value in row],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {hashed} = %s, {masked} = %s WHERE {pk} = %s",
                [(hash_, mask, id_) for id_, hash_, mask in rows],
            )


def _erase_retakes(pks: list[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    photos = list(RetakePhoto.objects.filter(request__student_id__in=pks).exclude(file="").only("pk", "file"))
    for photo in photos:
        # Before the row is cleared: a run killed after this finds the row still naming the file,
        # deletes nothing (a missing file is no error) and clears the row.
        photo.file.delete(save=False)
        counts["photo_files"] += 1
    RetakePhoto.objects.filter(request__student_id__in=pks).filter(
        ~Q(file="") | ~Q(note="") | ~Q(measurements={})
    ).update(file="", note="", measurements={})
    counts["retake_texts"] = (
        RetakeRequest.objects.filter(student_id__in=pks)
        .filter(~Q(note="") | ~Q(reason_detail__in=["", ERASED_DETAIL]))
        .update(
            note="",
            reason_detail=Case(When(reason=Reason.OTHER, then=Value(ERASED_DETAIL)), default=Value("")),
        )
    )
    return counts


def _erase_problem_texts(pks: list[int]) -> Counter[str]:
    return Counter(
        {
            "problem_texts": ProblemReport.objects.filter(student_id__in=pks)
            .exclude(description="")
            .update(description="")
        }
    )


def _erase_notifications(pks: list[int], user_ids: list[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    reports = list(ProblemReport.objects.filter(student_id__in=pks).values_list("pk", flat=True))
    requests = list(RetakeRequest.objects.filter(student_id__in=pks).values_list("pk", flat=True))
    types = ContentType.objects.get_for_models(ProblemReport, RetakeRequest)
    about = (
        Q(student_id__in=pks)
        | Q(user_id__in=user_ids)
        | Q(subject_type=types[ProblemReport], subject_id__in=reports)
        | Q(subject_type=types[RetakeRequest], subject_id__in=requests)
    )
    changed = []
    for notification in Notification.objects.filter(about).only("pk", "data").iterator(chunk_size=500):
        data = notification.data or {}
        if any(data.get(key) for key in FREE_TEXT_KEYS):
            notification.data = {**data, **{key: "" for key in FREE_TEXT_KEYS if key in data}}
            changed.append(notification)
    if changed:
        Notification.objects.bulk_update(changed, ["data"], batch_size=500)
    counts["notification_texts"] = len(changed)
    # The student's own messages: unsent ones are dropped (nobody is to be texted any more), and
    # the phone numbers and addresses of those sent are cleared.
    theirs = Delivery.objects.filter(Q(notification__student_id__in=pks) | Q(notification__user_id__in=user_ids))
    counts["deliveries_cancelled"], _by_model = theirs.filter(status=DeliveryStatus.PENDING).delete()
    counts["delivery_addresses"] = theirs.filter(~Q(address="") | ~Q(last_error="")).update(address="", last_error="")
    return counts


def _erase_campaign_files(campaign: Campaign) -> Counter[str]:
    """The campaign's finished jobs' files (exports, rejected imports' rows), what they show of
    their rows, and the staged uploads they name; the erasure's own archives stay."""
    counts: Counter[str] = Counter()
    jobs = (
        Job.objects.filter(params__campaign_id=campaign.pk).exclude(kind=ERASE_KIND).exclude(status__in=ACTIVE_STATUSES)
    )
    for job in jobs.only("pk", "file", "params").iterator(chunk_size=200):
        if job.file:
            job.file.delete(save=False)
            counts["job_files"] += 1
        token, kind = (job.params or {}).get("token"), (job.params or {}).get("staging")
        if isinstance(token, str) and isinstance(kind, str):
            try:
                path = staging.path_for(kind, token)
                if path is not None:
                    staging.discard(kind, token)
                    counts["staged_uploads"] += 1
            except ValueError:
                pass  # not a staging kind: nothing was staged under it
    jobs.filter(~Q(file="") | ~Q(result={}) | ~Q(errors=[])).update(file="", result={}, errors=[])
    counts["staged_uploads"] += staging.sweep()
    return counts


# --- one student, on request (PIPL art. 47) ---------------------------------------------------


def erase_student(*, student: Student, actor: User, reason: str) -> dict[str, int]:
    """Erase one student's personal data now, for the reason staff give; refused while the
    student still has money to settle or a retake in progress (say which)."""
    if not actor.is_academic_staff:
        raise PrivacyError.of("staff_only")
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyError.of("reason_missing")
    with transaction.atomic():
        student = lock_row(Student.objects.filter(pk=student.pk))
        if student.erased_at is not None:
            raise PrivacyError.of("already_erased", when=student.erased_at.isoformat())
        balance = FeeAccount.objects.filter(student=student).values_list("balance", flat=True).first()
        if balance is not None and balance > 0:
            raise PrivacyError.of("open_fee_balance", balance=str(balance))
        if balance is not None and balance < 0:
            raise PrivacyError.of("open_fee_credit", balance=str(balance))
        retake = RetakeRequest.objects.filter(student=student).exclude(status__in=CLOSED_STATUSES).first()
        if retake is not None:
            raise PrivacyError.of("open_retake", status=retake.status)
        counts = erase_batch([student.pk])
        record_event(
            actor=actor,
            action="privacy.student_erased",
            campaign=student.campaign,
            obj=student,
            data={"student_id": student.pk, "reason": reason[:500], "counts": counts},
        )
    return counts


def fee_balance(student: Student) -> Decimal | None:
    return FeeAccount.objects.filter(student=student).values_list("balance", flat=True).first()


# --- beat -------------------------------------------------------------------------------------


def system_owner() -> User | None:
    """Whom a job the server starts belongs to (Job.owner is required): the first staff account."""
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role=Role.STAFF)).order_by("pk").first()


def due_campaigns(*, today: datetime.date | None = None) -> list[Campaign]:
    """Closed campaigns past their retention date whose erasure has not finished."""
    today = today or timezone.localdate()
    due = []
    for campaign in Campaign.objects.exclude(erasure__finished_at__isnull=False).order_by("pk"):
        after = erase_after(campaign)
        if after is not None and after <= today and is_closed(campaign, today=today):
            due.append(campaign)
    return due


def start_erasure(*, campaign: Campaign, owner: User, via: str) -> Job:
    """The campaign's erasure job (the one already queued or running, or a new one)."""
    check_erasable(campaign)
    return start_job(
        kind=ERASE_KIND, key=f"campaign:{campaign.pk}", owner=owner, params={"campaign_id": campaign.pk, "via": via}
    )


def start_due_erasures(*, today: datetime.date | None = None) -> list[Job]:
    owner = system_owner()
    if owner is None:
        return []
    return [start_erasure(campaign=c, owner=owner, via="beat") for c in due_campaigns(today=today)]
