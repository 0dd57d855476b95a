"""Refunds, waivers and reversals: entries that take back or forgive what was posted."""

from decimal import Decimal

from django.db import transaction

from core.locking import lock_row
from sessions_app.models import Student
from sessions_app.scope import visible_colleges

from .ledger import (
    FeeError,
    PostResult,
    _audit,
    _check_key,
    _check_method,
    _check_poster,
    _insert,
    _lock_account,
    _overpay_error,
    _replay,
    parse_amount,
    payable_limit,
)
from .models import (
    DIRECT_METHODS,
    Entry,
    FeeAccount,
    Kind,
    Remittance,
    RemittanceItem,
)

# --- refunds, waivers, reversals --------------------------------------------


def post_refund(*, student: Student, amount, method: str, actor, idempotency_key: str, note: str = "") -> PostResult:
    """Money handed back to a student: at most what they have paid (net of earlier refunds)."""
    key = _check_key(idempotency_key)
    amount = parse_amount(amount)
    method = _check_method(method)
    _check_poster(actor, student)
    if method in DIRECT_METHODS and actor is not None and not actor.is_academic_staff:
        # A platform refund is paid back by 教务处 and would lower what the college must remit.
        raise FeeError.of("staff_only", what="refund_platform")

    def refuse_above_paid(account: FeeAccount) -> None:
        if amount > account.paid:
            raise FeeError.of("refund_exceeds_paid", name=student.name, paid=str(account.paid), amount=str(amount))

    return _post_adjustment(
        student=student,
        kind=Kind.REFUND,
        amount=amount,
        key=key,
        actor=actor,
        method=method,
        note=note,
        refuse=refuse_above_paid,
    )


def post_waiver(*, student: Student, amount, actor, idempotency_key: str, note: str) -> PostResult:
    """教务处 excuses (part of) the fee; same ceiling as a payment; a reason is required."""
    key = _check_key(idempotency_key)
    amount = parse_amount(amount)
    note = (note or "").strip()
    if actor is not None and not actor.is_academic_staff:
        raise FeeError.of("staff_only", what="waive")
    if not note:
        raise FeeError.of("reason_missing", what="waive")

    def refuse_above_payable(account: FeeAccount) -> None:
        limit = payable_limit(account)
        if amount > limit:
            raise _overpay_error(student, limit, amount)

    return _post_adjustment(
        student=student, kind=Kind.WAIVER, amount=amount, key=key, actor=actor, note=note, refuse=refuse_above_payable
    )


def _post_adjustment(
    *, student: Student, kind: str, amount: Decimal, key: str, actor, note: str, refuse, method: str = ""
) -> PostResult:
    """A refund's or a waiver's path: under the account lock, a resend replays; `refuse(account)`
    raises when the amount is above what this kind allows; then one entry and its audit event."""
    with transaction.atomic():
        account = _lock_account(student)
        replay = _replay(key, account=account, kind=kind, amount=amount)
        if replay is not None:
            return replay
        refuse(account)
        entry = _insert(
            account=account,
            college_id=student.college_id,
            kind=kind,
            amount=amount,
            method=method,
            note=note,
            key=key,
            actor=actor,
        )
        _audit(actor, f"fee.{kind}", student, entry, data={"note": entry.note})
    return PostResult(entry, True)


def _check_entry_college(actor, entry: Entry, student: Student) -> None:
    """An entry counts in the cash of the college it was posted for, which a student who changed
    college has left: a coordinator reverses only what was posted for their own colleges."""
    if actor is None or actor.is_academic_staff or entry.college_id == student.college_id:
        return
    if not visible_colleges(actor).filter(pk=entry.college_id).exists():
        raise FeeError.of("out_of_scope")


def reverse_entry(*, entry: Entry, actor, reason: str, idempotency_key: str) -> PostResult:
    """Cancel a mistaken payment, refund or waiver by a reversal pointing at it.

    An entry is reversed at most once; a reversal is not reversed (post a new entry instead);
    a charge follows its capture (undo the capture instead). An entry covered by a remittance
    that 教务处 has confirmed may only be reversed by staff. A reason is always required.
    """
    key = _check_key(idempotency_key)
    reason = (reason or "").strip()
    if not reason:
        raise FeeError.of("reason_missing", what="reverse")
    student = entry.account.student
    _check_poster(actor, student)
    _check_entry_college(actor, entry, student)
    if entry.kind == Kind.REVERSAL:
        raise FeeError.of("reversal_of_reversal")
    if entry.kind == Kind.CHARGE:
        raise FeeError.of("charge_not_reversible")
    if entry.kind == Kind.WAIVER and actor is not None and not actor.is_academic_staff:
        raise FeeError.of("staff_only", what="reverse_waiver")
    with transaction.atomic():
        account = _lock_account(student)
        replay = _replay(key, account=account, kind=Kind.REVERSAL, amount=entry.amount)
        if replay is not None:
            return replay
        if Entry.objects.filter(reverses=entry).exists():
            raise FeeError.of("already_reversed")
        # Lock the covering remittance, so 教务处 cannot confirm it between this check and the reversal.
        lock_row(Remittance.objects.filter(items__entry=entry), required=False)
        confirmed = RemittanceItem.objects.filter(entry=entry, remittance__confirmation__isnull=False).exists()
        if confirmed and actor is not None and not actor.is_academic_staff:
            raise FeeError.of("remittance_confirmed")
        if entry.kind == Kind.PAYMENT and account.paid - entry.amount < 0:
            raise FeeError.of("paid_below_zero")
        reversal = _insert(
            account=account,
            college_id=entry.college_id,
            kind=Kind.REVERSAL,
            amount=entry.amount,
            method=entry.method,
            note=reason,
            key=key,
            actor=actor,
            reverses=entry,
        )
        _audit(
            actor,
            "fee.reverse",
            student,
            reversal,
            data={
                "reversed_entry": entry.pk,
                "reversed_kind": entry.kind,
                "reason": reason,
                "after_confirmed_remittance": confirmed,
            },
        )
    return PostResult(reversal, True)
