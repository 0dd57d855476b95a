"""Ledger rules: posting payments and the charge of a capture; refunds, waivers and reversals
are in fees.adjustments, the primitives (checks, locks, idempotency) in fees.ledger.

Every write locks the row that guards the rule it checks (the student's FeeAccount for entries,
the College for remittances, the Remittance for its confirmation) inside `transaction.atomic()`,
so balance and overpayment checks see every committed entry and two writers queue up.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from core.locking import lock_row
from core.rows import RowBatch
from sessions_app.models import Campaign, Capture, Student

from .adjustments import post_refund, post_waiver, reverse_entry  # noqa: F401 - re-exported
from .ledger import (  # noqa: F401 - the public ones re-exported: callers use fees.services
    KEY_MAX_LENGTH,
    FeeError,
    PostResult,
    _check_key,
    _check_method,
    _check_poster,
    _insert,
    _lock_account,
    _overpay_error,
    _replay,
    check_paid_at,
    check_poster_role,
    client_key,
    money,
    parse_amount,
    payable_limit,
)
from .models import (
    DIRECT_METHODS,
    ZERO,
    Entry,
    FeeAccount,
    Kind,
    Method,
    NoteCode,
)
from .models_service import GroupPayment, GroupPaymentItem

if TYPE_CHECKING:  # a development dependency: the checker's name for an annotated row
    from django_stubs_ext import WithAnnotations

# --- payments ----------------------------------------------------------------


def post_payment(
    *,
    student: Student,
    amount: object,
    method: str,
    actor: User,
    idempotency_key: str,
    note: str = "",
    occurred_at: datetime.datetime | None = None,
) -> PostResult:
    """Record money a student paid. Refused above `payable_limit` (超出应缴金额).

    Not for the campus payment platform: that money reaches 教务处 directly, so only the platform's
    signed notice (`post_platform_payment`) may record it; a college that entered it by hand would
    shrink what it must remit.
    """
    method = _check_method(method)
    if method in DIRECT_METHODS:
        raise FeeError.of("platform_only")
    return _post_payment(
        student=student,
        amount=amount,
        method=method,
        actor=actor,
        idempotency_key=idempotency_key,
        note=note,
        occurred_at=occurred_at,
    )


def post_platform_payment(
    *, student: Student, amount: object, transaction_id: str, paid_at: datetime.datetime
) -> PostResult:
    """A payment the campus platform notified us of (fees.callback, after its signature checked).

    Its note is the system's own: a code and the transaction id, put into words when shown.
    """
    check_paid_at(campaign_id=student.campaign_id, moment=paid_at)
    return _post_payment(
        student=student,
        amount=amount,
        method=Method.CAMPUS_PLATFORM,
        actor=None,
        idempotency_key=platform_key(transaction_id),
        note_code=NoteCode.PLATFORM_PAYMENT,
        note_data={"transaction_id": transaction_id},
        occurred_at=paid_at,
    )


def platform_key(transaction_id: str) -> str:
    return f"platform:{transaction_id}"


def _post_payment(
    *,
    student: Student,
    amount: object,
    method: str,
    actor: User | None,
    idempotency_key: str,
    note: str = "",
    note_code: str = "",
    note_data: dict[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
) -> PostResult:
    """`note` is what a person typed; a note the system writes is `note_code` + `note_data`."""
    key = _check_key(idempotency_key)
    amount = parse_amount(amount)
    _check_poster(actor, student)
    if occurred_at is not None:
        check_paid_at(campaign_id=student.campaign_id, moment=occurred_at)
    try:
        with transaction.atomic():
            return _post_payment_locked(
                student=student,
                account=_lock_account(student),
                amount=amount,
                method=method,
                actor=actor,
                key=key,
                note=note,
                note_code=note_code,
                note_data=note_data,
                occurred_at=occurred_at,
            )
    except IntegrityError:
        # The key was taken by a concurrent request for another account.
        existing = Entry.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        if existing.account.student_id != student.pk or existing.kind != Kind.PAYMENT or existing.amount != amount:
            raise FeeError.of("key_reused")
        return PostResult(existing, False)


def _post_payment_locked(
    *,
    student: Student,
    account: FeeAccount,
    amount: Decimal | None,
    method: str,
    actor: User | None,
    key: str,
    note: str = "",
    note_code: str = "",
    note_data: dict[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
) -> PostResult:
    """amount=None pays whatever is owed (the class "mark paid")."""
    replay = _replay(key, account=account, kind=Kind.PAYMENT, amount=amount)
    if replay is not None:
        return replay
    limit = payable_limit(account)
    if amount is None:
        if account.charged <= 0:
            raise FeeError.of("not_charged", name=student.name, no=student.student_no)
        amount = limit
        if amount <= 0:
            raise _overpay_error(student, limit, amount)
    elif amount > limit:
        raise _overpay_error(student, limit, amount)
    entry = _insert(
        account=account,
        college_id=student.college_id,
        kind=Kind.PAYMENT,
        amount=amount,
        method=method,
        note=note,
        note_code=note_code,
        note_data=note_data,
        key=key,
        actor=actor,
        occurred_at=occurred_at,
    )
    return PostResult(entry, True)


@dataclass
class BatchResult:
    created: list[Entry] = field(default_factory=list)
    replayed: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    group: GroupPayment | None = None

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.created), ZERO)


class _Rollback(Exception):
    pass


def mark_paid(
    *, students: list[Student], method: str, actor: User, idempotency_key: str, note: str = "", payer: str = ""
) -> BatchResult:
    """Each selected student pays exactly what they owe; all or nothing.

    One key for the whole submission; each student's entry gets `<key>:<student id>`, so
    resending the form posts nothing new. With a `payer` (a class monitor who brings the class's
    cash) the handover is also one GroupPayment: who paid, the total, and the entries it was
    allocated to.
    """
    payer = " ".join((payer or "").split())[:64]
    key = _check_key(idempotency_key)
    method = _check_method(method)
    if method in DIRECT_METHODS:
        raise FeeError.of("platform_only")
    if not students:
        raise FeeError.of("no_students")
    if len(key) > KEY_MAX_LENGTH - 12:
        raise FeeError.of("key_too_long")
    for student in students:
        _check_poster(actor, student)
    result = BatchResult()
    try:
        with transaction.atomic():
            # One lock order for everyone, so two overlapping batches cannot deadlock.
            for student in sorted(students, key=lambda s: s.pk):
                try:
                    with transaction.atomic():
                        posted = _post_payment_locked(
                            student=student,
                            account=_lock_account(student),
                            amount=None,
                            method=method,
                            actor=actor,
                            key=f"{key}:{student.pk}",
                            note=note,
                        )
                except FeeError as exc:
                    result.errors.append(exc.message)
                    continue
                (result.created if posted.created else result.replayed).append(posted.entry)
            if result.errors:
                raise _Rollback
            if payer and result.created:
                result.group = _record_group_payment(
                    students=students, entries=result.created, payer=payer, method=method, actor=actor, key=key
                )
    except _Rollback:
        return BatchResult(errors=result.errors)
    return result


def _record_group_payment(
    *, students: list[Student], entries: list[Entry], payer: str, method: str, actor: User, key: str
) -> GroupPayment:
    group = GroupPayment.objects.create(
        campaign_id=students[0].campaign_id,
        payer=payer,
        method=method,
        total=sum((e.amount for e in entries), ZERO),
        count=len(entries),
        created_by=actor,
        idempotency_key=key,
    )
    GroupPaymentItem.objects.bulk_create([GroupPaymentItem(group=group, entry=e) for e in entries])
    record_event(
        actor=actor,
        action="fee.group_payment",
        campaign=Campaign(pk=group.campaign_id),
        obj=group,
        data={"payer": payer, "count": group.count, "total": str(group.total)},
    )
    return group


# --- charges (from captures) ------------------------------------------------


def post_charge(*, capture: Capture, actor: User | None, batch: RowBatch | None = None) -> Entry | None:
    """The fee falls due when a student is captured, at the campaign's fee at that moment.

    Called by `capture_day.services.check_in` (whose rule says who may swipe where), for the
    capture it has just written; an undone capture is refused.

    Called inside the capture's transaction (no savepoint of its own: a failure here rolls the
    whole swipe back). A student who already has an active charge keeps it (and nothing is
    posted); a free campaign (fee 0) posts nothing. Two queries on a swipe: one upsert that makes
    the account if missing, locks it and adds the charge to its totals unless it already holds
    an active charge or this key (`FeeAccount.charge_if_uncharged`), then the entry. Only when
    it declines does the charge take the longer road below, under the lock it already holds.
    With `batch` (the desk swipe's), the common charge's entry is added to it, written when the
    batch is flushed in the same transaction, and None is returned.
    """
    if capture.undone_at is not None:
        raise FeeError.of("capture_undone")
    student = capture.student
    fee = capture.campaign.fee_per_person
    if fee <= 0:
        return None
    key = f"charge:capture:{capture.pk}"
    with transaction.atomic(savepoint=False):
        charged = FeeAccount.charge_if_uncharged(
            campaign_id=student.campaign_id, student_id=student.pk, amount=fee, key=key, now=timezone.now()
        )
        if charged is not None:
            account_id, follows_id = charged
            values = {
                "account_id": account_id,
                "college_id": student.college_id,
                "kind": Kind.CHARGE,
                "amount": fee,
                "note_code": NoteCode.CAPTURE_CHARGE,
                "posted_by": actor if getattr(actor, "pk", None) else None,
                "occurred_at": capture.captured_at,
                "idempotency_key": key,
                "follows_id": follows_id,
            }
            if batch is not None:
                batch.add(Entry, **values)
                return None
            return Entry.objects.create(**values)
        FeeAccount.objects.bulk_create(
            [FeeAccount(student_id=student.pk, campaign_id=student.campaign_id)], ignore_conflicts=True
        )
        account = _charge_facts(student_id=student.pk, key=key)
        if account.replay_id is not None:
            replay = _replay(key, account=account, kind=Kind.CHARGE, amount=None)
            assert replay is not None  # the entry replay_id names, under the account's lock
            return replay.entry
        if account.active_charge_id is not None:
            return Entry.objects.get(pk=account.active_charge_id)
        # The chain of charges (see models): a new charge follows the reversal of the last one.
        follows = Entry(pk=account.follows_id) if account.follows_id is not None else None
        return _insert(
            account=account,
            college_id=student.college_id,
            kind=Kind.CHARGE,
            amount=fee,
            key=key,
            actor=actor,
            note_code=NoteCode.CAPTURE_CHARGE,
            occurred_at=capture.captured_at,
            follows=follows,
        )


class _ChargeFacts(TypedDict):
    replay_id: int | None
    active_charge_id: int | None
    follows_id: int | None


def _charge_facts(*, student_id: int, key: str) -> "WithAnnotations[FeeAccount, _ChargeFacts]":
    """The student's account, locked, with the three ledger facts a new charge depends on."""
    entries = Entry.objects.filter(account=OuterRef("pk"))
    return lock_row(
        FeeAccount.objects.annotate(
            replay_id=Subquery(entries.filter(idempotency_key=key).values("pk")[:1]),
            active_charge_id=Subquery(
                entries.filter(kind=Kind.CHARGE, reversal__isnull=True).order_by("-id").values("pk")[:1]
            ),
            follows_id=Subquery(
                entries.filter(kind=Kind.REVERSAL, reversed_kind=Kind.CHARGE, next_charge__isnull=True)
                .order_by("-id")
                .values("pk")[:1]
            ),
        ).filter(student_id=student_id),
        of=("self",),
    )


def _active_charge(account: FeeAccount) -> Entry | None:
    return Entry.objects.filter(account=account, kind=Kind.CHARGE, reversal__isnull=True).first()


def reverse_charge_for_capture(*, capture: Capture, actor: User | None, reason: str) -> Entry | None:
    """Undoing a capture cancels its charge; a payment already made stays, as a credit.

    Only for a capture already undone: who may undo is `capture_day.services.undo_check_in`'s
    rule, which calls this in its transaction; a capture still standing keeps its charge.
    """
    if capture.undone_at is None:
        raise FeeError.of("capture_not_undone")
    key = f"uncharge:capture:{capture.pk}"
    with transaction.atomic():
        account = lock_row(FeeAccount.objects.filter(student_id=capture.student_id), required=False)
        if account is None:
            return None
        replay = _replay(key, account=account, kind=Kind.REVERSAL, amount=None)
        if replay is not None:
            return replay.entry
        charge = _active_charge(account)
        if charge is None:
            return None
        return _insert(
            account=account,
            college_id=charge.college_id,
            kind=Kind.REVERSAL,
            amount=charge.amount,
            key=key,
            actor=actor,
            note=reason,
            note_code=NoteCode.CAPTURE_UNDONE,
            reverses=charge,
        )
