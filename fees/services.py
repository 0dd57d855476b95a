"""Ledger rules: posting, reversing and remitting.

Every write locks the row that guards the rule it checks (the student's FeeAccount for entries,
the College for remittances, the Remittance for its confirmation) inside `transaction.atomic()`,
so balance and overpayment checks see every committed entry and two writers queue up.

Idempotency: every write carries a key, stored unique on the row it creates. A second call with
the same key returns the first row (`created=False`) and posts nothing; a key reused for a
different student or kind is refused. Keys live in two namespaces that cannot meet: the server's
own (`charge:capture:<id>`, `uncharge:capture:<id>`, `platform:<transaction id>`, `import:...`)
and form submissions, which views turn into `client_key(...)` (`client:<user>:<form>:<token>`).
A client therefore cannot pre-claim a server key, and one user's token is not another's.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import formatting
from accounts.audit import record_event
from accounts.errors import CodedError
from sessions_app.models import Campaign, Capture, Slot, Student
from sessions_app.scope import visible_students

from . import money as money_parser
from .models import (
    DIRECT_METHODS,
    ZERO,
    Entry,
    FeeAccount,
    Kind,
    Method,
    NoteCode,
    Remittance,
    RemittanceItem,
    balance_delta,
    cash_delta,
)
from .money import AmountError

KEY_MAX_LENGTH = 120
# What `forms.new_key()` mints; anything else from a browser is not one of our forms.
CLIENT_TOKEN = re.compile(r"[0-9a-f]{32}")
# A platform notice may arrive a little ahead of our clock, never days ahead; and money can be
# paid before a campaign's first capture day (a credit), but not this long before it.
PAID_AT_CLOCK_SKEW = datetime.timedelta(minutes=10)
PAID_AT_BEFORE_CAMPAIGN = datetime.timedelta(days=90)


class FeeError(CodedError):
    """A rule refused the request: `message` for the person who sent it, `code` to branch on."""


@dataclass(frozen=True)
class PostResult:
    entry: Entry
    created: bool


money = formatting.money  # the one money format (accounts.formatting), kept here for fees' callers


def parse_amount(value, *, allow_zero: bool = False) -> Decimal:
    """money.parse_amount with its refusal as a FeeError, for the services' callers."""
    try:
        return money_parser.parse_amount(value, allow_zero=allow_zero)
    except AmountError as exc:
        raise FeeError(exc.message, code=exc.code, params=exc.params) from None


def client_key(*, user, form: str, token) -> str:
    """The idempotency key of one form submission, bound to the user who sends it and the form."""
    token = token.strip() if isinstance(token, str) else ""
    if not CLIENT_TOKEN.fullmatch(token):
        raise FeeError(_("提交编号无效，请刷新页面后重新提交"), code="bad_key")
    return f"client:{user.pk}:{form}:{token}"


def check_paid_at(*, campaign_id: int, moment: datetime.datetime) -> datetime.datetime:
    """When money was paid: not in the future, not long before the campaign began."""
    now = timezone.now()
    if moment > now + PAID_AT_CLOCK_SKEW:
        raise FeeError(_("缴费时间晚于当前时间，请核对"), code="bad_paid_at")
    start = Campaign.objects.values_list("created_at", flat=True).get(pk=campaign_id)
    first_day = Slot.objects.filter(group__campaign_id=campaign_id).aggregate(first=Min("date"))["first"]
    if first_day is not None:
        start = min(start, timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min)))
    if moment < start - PAID_AT_BEFORE_CAMPAIGN:
        raise FeeError(
            _("缴费时间 %(when)s 早于本采集批次开始前 %(days)s 天，请核对")
            % {"when": formatting.datetime_short(moment), "days": PAID_AT_BEFORE_CAMPAIGN.days},
            code="bad_paid_at",
            params={"when": moment.isoformat(), "days": PAID_AT_BEFORE_CAMPAIGN.days},
        )
    return moment


def _check_key(key) -> str:
    key = (key or "").strip() if isinstance(key, str) else ""
    if not key:
        raise FeeError(_("缺少提交编号，请刷新页面后重新提交"), "key_missing")
    if len(key) > KEY_MAX_LENGTH:
        raise FeeError(_("提交编号过长，请刷新页面后重新提交"), "key_too_long")
    return key


def _check_method(method) -> str:
    if method not in Method.values:
        raise FeeError(
            _("请选择缴费方式：%(choices)s") % {"choices": "、".join(str(label) for label in Method.labels)},
            "method_invalid",
        )
    return method


def _check_poster(actor, student: Student) -> None:
    """Staff post for anyone, a coordinator only for their colleges; actor None is the system."""
    if actor is None:
        return
    if not (actor.is_academic_staff or actor.is_coordinator):
        raise FeeError(_("你的角色不能登记费用"), "role_forbidden")
    if not visible_students(actor).filter(pk=student.pk).exists():
        raise FeeError(
            _("学号 %(no)s 不属于你负责的学院，不能为其登记费用") % {"no": student.student_no},
            "out_of_scope",
            {"no": student.student_no},
        )


def _lock_account(student: Student) -> FeeAccount:
    account = FeeAccount.objects.select_for_update().filter(student_id=student.pk).first()
    if account is None:
        try:
            with transaction.atomic():
                FeeAccount.objects.create(student_id=student.pk, campaign_id=student.campaign_id)
        except IntegrityError:
            pass  # a concurrent first entry created it; lock that one
        account = FeeAccount.objects.select_for_update().get(student_id=student.pk)
    return account


def _replay(key: str, *, account: FeeAccount, kind: str, amount: Decimal | None) -> PostResult | None:
    existing = Entry.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.account_id != account.pk or existing.kind != kind or (amount is not None and existing.amount != amount):
        raise FeeError(_("这个提交编号已用于另一笔记录，请刷新页面后重新填写"), "key_reused")
    return PostResult(existing, False)


def _insert(
    *,
    account: FeeAccount,
    college_id: int,
    kind: str,
    amount: Decimal,
    key: str,
    actor,
    method: str = "",
    note: str = "",
    note_code: str = "",
    note_data: dict | None = None,
    occurred_at: datetime.datetime | None = None,
    reverses: Entry | None = None,
    follows: Entry | None = None,
) -> Entry:
    """Append one entry and bring the account's cached totals along, under the account lock."""
    reversed_kind = reverses.kind if reverses is not None else None
    entry = Entry.objects.create(
        account=account,
        college_id=college_id,
        kind=kind,
        amount=amount,
        method=method,
        note=(note or "")[:200],
        note_code=note_code,
        note_data=note_data or {},
        posted_by=actor if getattr(actor, "pk", None) else None,
        occurred_at=occurred_at,
        idempotency_key=key,
        reverses=reverses,
        reversed_kind=reversed_kind,
        follows=follows,
    )
    target = reversed_kind or kind
    sign = -1 if kind == Kind.REVERSAL else 1
    if target == Kind.CHARGE:
        account.charged += sign * amount
    elif target == Kind.WAIVER:
        account.waived += sign * amount
    else:
        account.paid += sign * cash_delta(target, None, amount)
    account.balance += balance_delta(kind, reversed_kind, amount)
    account.save(update_fields=["charged", "paid", "waived", "balance", "updated_at"])
    return entry


def _fee(campaign_id: int) -> Decimal:
    return Campaign.objects.values_list("fee_per_person", flat=True).get(pk=campaign_id)


def payable_limit(account: FeeAccount, *, fee: Decimal | None = None) -> Decimal:
    """The most a payment (or waiver) may be right now.

    Rule: a payment may not take the balance below zero, except that a student with no active
    charge (not captured yet) may hold a credit of up to one fee (the campaign's fee at the time
    of the payment), which the charge at capture then uses up. So: captured → what they owe;
    not captured → one fee minus any credit they already have.
    """
    if account.charged > 0:
        return max(account.balance, ZERO)
    fee = _fee(account.campaign_id) if fee is None else fee
    return max(account.balance + fee, ZERO)


def _overpay_error(student: Student, limit: Decimal, amount: Decimal) -> FeeError:
    if limit <= 0:
        return FeeError(
            _("超出应缴金额：%(name)s（%(no)s）已缴清，无需再缴（本次 %(amount)s）")
            % {"name": student.name, "no": student.student_no, "amount": money(amount)},
            "overpaid",
            {"name": student.name, "no": student.student_no, "amount": str(amount)},
        )
    return FeeError(
        _("超出应缴金额：%(name)s（%(no)s）目前最多应缴 %(limit)s，本次 %(amount)s")
        % {"name": student.name, "no": student.student_no, "limit": money(limit), "amount": money(amount)},
        "overpaid",
        {"name": student.name, "no": student.student_no, "limit": str(limit), "amount": str(amount)},
    )


# --- payments ----------------------------------------------------------------


def post_payment(
    *,
    student: Student,
    amount,
    method: str,
    actor,
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
        raise FeeError(
            _("校园统一支付平台的缴费由平台自动通知入账，不能手工登记；请选择实际收款方式"), code="platform_only"
        )
    return _post_payment(
        student=student,
        amount=amount,
        method=method,
        actor=actor,
        idempotency_key=idempotency_key,
        note=note,
        occurred_at=occurred_at,
    )


def post_platform_payment(*, student: Student, amount, transaction_id: str, paid_at: datetime.datetime) -> PostResult:
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
    amount,
    method: str,
    actor,
    idempotency_key: str,
    note: str = "",
    note_code: str = "",
    note_data: dict | None = None,
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
            raise FeeError(_("这个提交编号已用于另一笔记录，请刷新页面后重新填写"), "key_reused")
        return PostResult(existing, False)


def _post_payment_locked(
    *, student, account, amount, method, actor, key, note="", note_code="", note_data=None, occurred_at=None
) -> PostResult:
    """amount=None pays whatever is owed (the class "mark paid")."""
    replay = _replay(key, account=account, kind=Kind.PAYMENT, amount=amount)
    if replay is not None:
        return replay
    limit = payable_limit(account)
    if amount is None:
        if account.charged <= 0:
            raise FeeError(
                _("%(name)s（%(no)s）尚未采集，没有应缴费用") % {"name": student.name, "no": student.student_no},
                "not_charged",
            )
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

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.created), ZERO)


class _Rollback(Exception):
    pass


def mark_paid(*, students: list[Student], method: str, actor, idempotency_key: str, note: str = "") -> BatchResult:
    """Each selected student pays exactly what they owe; all or nothing.

    One key for the whole submission; each student's entry gets `<key>:<student id>`, so
    resending the form posts nothing new.
    """
    key = _check_key(idempotency_key)
    method = _check_method(method)
    if method in DIRECT_METHODS:
        raise FeeError(
            _("校园统一支付平台的缴费由平台自动通知入账，不能手工登记；请选择实际收款方式"), code="platform_only"
        )
    if not students:
        raise FeeError(_("请至少选择一名学生"), "no_students")
    if len(key) > KEY_MAX_LENGTH - 12:
        raise FeeError(_("提交编号过长，请刷新页面后重新提交"), "key_too_long")
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
    except _Rollback:
        return BatchResult(errors=result.errors)
    return result


# --- charges (from captures) ------------------------------------------------


def post_charge(*, capture: Capture, actor) -> Entry | None:
    """The fee falls due when a student is captured, at the campaign's fee at that moment.

    Called inside the capture's transaction (no savepoint of its own: a failure here rolls the
    whole swipe back). A student who already has an active charge keeps it (and nothing is
    posted); a free campaign (fee 0) posts nothing. Four queries on a swipe: the account made
    if missing, the account locked together with what the ledger must say about it, the
    entry, the account's totals.
    """
    student = capture.student
    fee = capture.campaign.fee_per_person
    if fee <= 0:
        return None
    key = f"charge:capture:{capture.pk}"
    with transaction.atomic(savepoint=False):
        FeeAccount.objects.bulk_create(
            [FeeAccount(student_id=student.pk, campaign_id=student.campaign_id)], ignore_conflicts=True
        )
        account = _charge_facts(student_id=student.pk, key=key)
        if account.replay_id is not None:
            replay = _replay(key, account=account, kind=Kind.CHARGE, amount=None)
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


def _charge_facts(*, student_id: int, key: str) -> FeeAccount:
    """The student's account, locked, with the three ledger facts a new charge depends on."""
    entries = Entry.objects.filter(account=OuterRef("pk"))
    return (
        FeeAccount.objects.select_for_update(of=("self",))
        .annotate(
            replay_id=Subquery(entries.filter(idempotency_key=key).values("pk")[:1]),
            active_charge_id=Subquery(
                entries.filter(kind=Kind.CHARGE, reversal__isnull=True).order_by("-id").values("pk")[:1]
            ),
            follows_id=Subquery(
                entries.filter(kind=Kind.REVERSAL, reversed_kind=Kind.CHARGE, next_charge__isnull=True)
                .order_by("-id")
                .values("pk")[:1]
            ),
        )
        .get(student_id=student_id)
    )


def _active_charge(account: FeeAccount) -> Entry | None:
    return Entry.objects.filter(account=account, kind=Kind.CHARGE, reversal__isnull=True).first()


def reverse_charge_for_capture(*, capture: Capture, actor, reason: str) -> Entry | None:
    """Undoing a capture cancels its charge; a payment already made stays, as a credit."""
    key = f"uncharge:capture:{capture.pk}"
    with transaction.atomic():
        account = FeeAccount.objects.select_for_update().filter(student_id=capture.student_id).first()
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
        Remittance.objects.select_for_update().filter(items__entry=entry).first()
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


def _audit(actor, action: str, student: Student, entry: Entry, data: dict | None = None) -> None:
    record_event(
        actor=actor,
        action=action,
        campaign=Campaign(pk=student.campaign_id),
        obj=entry,
        data={"student_id": student.pk, "amount": str(entry.amount), **(data or {})},
    )
