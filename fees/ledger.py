"""The ledger's primitives: the checks, the account lock, the append and the replay of a key.

fees.services posts payments and charges with them, fees.adjustments refunds, waivers and
reversals; fees.services is the entry point for callers and re-exports what they use.

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
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from core import formatting
from core.errors import CodedError
from core.formatting import joined
from core.locking import lock_row
from sessions_app.models import Campaign, Slot, Student
from sessions_app.scope import visible_students

from . import money as money_parser
from .models import (
    ZERO,
    Entry,
    FeeAccount,
    Method,
    balance_delta,
    fold_entry,
)
from .money import AmountError
from .refusals import WORDS as RULES

KEY_MAX_LENGTH = 120
# What `forms.new_key()` mints; anything else from a browser is not one of our forms.
CLIENT_TOKEN = re.compile(r"[0-9a-f]{32}")
# A platform notice may arrive a little ahead of our clock, never days ahead; and money can be
# paid before a campaign's first capture day (a credit), but not this long before it.
PAID_AT_CLOCK_SKEW = datetime.timedelta(minutes=10)
PAID_AT_BEFORE_CAMPAIGN = datetime.timedelta(days=90)


class FeeError(CodedError):
    """A rule refused the request: `code` to branch on, `params` for its words (fees.refusals),
    raised as `FeeError.of(code, **params)`."""

    words = RULES


@dataclass(frozen=True)
class PostResult:
    entry: Entry
    created: bool


money = formatting.money  # the one money format (core.formatting), kept here for fees' callers


def parse_amount(value, *, allow_zero: bool = False) -> Decimal:
    """money.parse_amount with its refusal as a FeeError, for the services' callers."""
    try:
        return money_parser.parse_amount(value, allow_zero=allow_zero)
    except AmountError as exc:
        raise FeeError.of(exc.code, **exc.params) from None


def client_key(*, user, form: str, token) -> str:
    """The idempotency key of one form submission, bound to the user who sends it and the form."""
    token = token.strip() if isinstance(token, str) else ""
    if not CLIENT_TOKEN.fullmatch(token):
        raise FeeError.of("bad_key")
    return f"client:{user.pk}:{form}:{token}"


def check_paid_at(*, campaign_id: int, moment: datetime.datetime) -> datetime.datetime:
    """When money was paid: not in the future, not long before the campaign began."""
    now = timezone.now()
    if moment > now + PAID_AT_CLOCK_SKEW:
        raise FeeError.of("bad_paid_at")
    start = Campaign.objects.values_list("created_at", flat=True).get(pk=campaign_id)
    first_day = Slot.objects.filter(group__campaign_id=campaign_id).aggregate(first=Min("date"))["first"]
    if first_day is not None:
        start = min(start, timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min)))
    if moment < start - PAID_AT_BEFORE_CAMPAIGN:
        raise FeeError.of("bad_paid_at", when=moment.isoformat(), days=PAID_AT_BEFORE_CAMPAIGN.days)
    return moment


def _check_key(key) -> str:
    key = (key or "").strip() if isinstance(key, str) else ""
    if not key:
        raise FeeError.of("key_missing")
    if len(key) > KEY_MAX_LENGTH:
        raise FeeError.of("key_too_long")
    return key


def _method_invalid(params) -> str:
    return _("请选择缴费方式：%(choices)s") % {"choices": joined(Method.labels, "、")}


RULES.add("method_invalid", _method_invalid)


def _check_method(method) -> str:
    if method not in Method.values:
        raise FeeError.of("method_invalid")
    return method


def check_poster_role(actor) -> None:
    """Money is posted by staff and coordinators only (never a student, counselor or desk operator)."""
    if actor is not None and not (actor.is_academic_staff or actor.is_coordinator):
        raise FeeError.of("role_forbidden")


def _check_poster(actor, student: Student) -> None:
    """Staff post for anyone, a coordinator only for their colleges; actor None is the system."""
    if actor is None:
        return
    check_poster_role(actor)
    if not visible_students(actor).filter(pk=student.pk).exists():
        raise FeeError.of("out_of_scope", no=student.student_no)


def _lock_account(student: Student) -> FeeAccount:
    account = lock_row(FeeAccount.objects.filter(student_id=student.pk), required=False)
    if account is None:
        try:
            with transaction.atomic():
                FeeAccount.objects.create(student_id=student.pk, campaign_id=student.campaign_id)
        except IntegrityError:
            pass  # a concurrent first entry created it; lock that one
        account = lock_row(FeeAccount.objects.filter(student_id=student.pk))
    return account


def _replay(key: str, *, account: FeeAccount, kind: str, amount: Decimal | None) -> PostResult | None:
    existing = Entry.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.account_id != account.pk or existing.kind != kind or (amount is not None and existing.amount != amount):
        raise FeeError.of("key_reused")
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
    fold_entry(account, kind, reversed_kind, amount)
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
        return FeeError.of("overpaid", name=student.name, no=student.student_no, amount=str(amount))
    return FeeError.of("overpaid", name=student.name, no=student.student_no, limit=str(limit), amount=str(amount))


def _audit(actor, action: str, student: Student, entry: Entry, data: dict | None = None) -> None:
    record_event(
        actor=actor,
        action=action,
        campaign=Campaign(pk=student.campaign_id),
        obj=entry,
        data={"student_id": student.pk, "amount": str(entry.amount), **(data or {})},
    )
