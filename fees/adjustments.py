"""Refunds, waivers and reversals: entries that take back or forgive what was posted."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

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
    money,
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
        raise FeeError(_("通过校园统一支付平台退费只能由教务处登记"), "staff_only")

    def refuse_above_paid(account: FeeAccount) -> None:
        if amount > account.paid:
            raise FeeError(
                _("退费不能超过已缴金额：%(name)s 已缴 %(paid)s，本次退 %(amount)s")
                % {"name": student.name, "paid": money(account.paid), "amount": money(amount)},
                "refund_exceeds_paid",
            )

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
        raise FeeError(_("只有教务处可以减免费用"), "staff_only")
    if not note:
        raise FeeError(_("减免必须填写原因"), "reason_missing")

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
        raise FeeError(_("这笔记录记在其他学院的账上，只有该学院的负责老师或教务处可以冲正"), "out_of_scope")


def reverse_entry(*, entry: Entry, actor, reason: str, idempotency_key: str) -> PostResult:
    """Cancel a mistaken payment, refund or waiver by a reversal pointing at it.

    An entry is reversed at most once; a reversal is not reversed (post a new entry instead);
    a charge follows its capture (undo the capture instead). An entry covered by a remittance
    that 教务处 has confirmed may only be reversed by staff. A reason is always required.
    """
    key = _check_key(idempotency_key)
    reason = (reason or "").strip()
    if not reason:
        raise FeeError(_("冲正必须填写原因"), "reason_missing")
    student = entry.account.student
    _check_poster(actor, student)
    _check_entry_college(actor, entry, student)
    if entry.kind == Kind.REVERSAL:
        raise FeeError(_("冲正记录不能再冲正；如需恢复，请重新登记一笔"), "reversal_of_reversal")
    if entry.kind == Kind.CHARGE:
        raise FeeError(_("计费随采集自动生成，不能手工冲正；如采集有误，请撤销采集"), "charge_not_reversible")
    if entry.kind == Kind.WAIVER and actor is not None and not actor.is_academic_staff:
        raise FeeError(_("只有教务处可以冲正减免"), "staff_only")
    with transaction.atomic():
        account = _lock_account(student)
        replay = _replay(key, account=account, kind=Kind.REVERSAL, amount=entry.amount)
        if replay is not None:
            return replay
        if Entry.objects.filter(reverses=entry).exists():
            raise FeeError(_("这笔记录已经冲正过了"), "already_reversed")
        # Lock the covering remittance, so 教务处 cannot confirm it between this check and the reversal.
        lock_row(Remittance.objects.filter(items__entry=entry), required=False)
        confirmed = RemittanceItem.objects.filter(entry=entry, remittance__confirmation__isnull=False).exists()
        if confirmed and actor is not None and not actor.is_academic_staff:
            raise FeeError(_("这笔款项已上交并经教务处确认到账，只有教务处可以冲正"), "remittance_confirmed")
        if entry.kind == Kind.PAYMENT and account.paid - entry.amount < 0:
            raise FeeError(_("冲正后已缴金额会小于 0：请先冲正其后的退费"), "paid_below_zero")
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
