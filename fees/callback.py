"""The campus payment platform's payment notices (see docs/FEES_CALLBACK.md).

Every call is written to CallbackLog, whatever its outcome, so staff can look at rejected ones.
The transaction id becomes the payment's idempotency key (in the server's own namespace, which no
form can write), so a repeated notice posts nothing. The money went to 教务处 through the
platform whatever channel the student used inside it, so every notice is recorded as a platform
payment: a notice saying "cash" cannot become cash a college must remit.

Unsigned calls are junk or an attack: each address gets a few a minute (then 429, nothing stored),
and only a bounded number are kept for staff, pruned after a week.
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.errors import CodedError
from sessions_app.models import Campaign, Student

from .callback_errors import WORDS, describe
from .models import CallbackLog, CallbackStatus, Entry
from .services import FeeError, parse_amount, platform_key, post_platform_payment

MAX_BODY_BYTES = 16 * 1024
LOGGED_BODY_CHARS = 4000
FIELDS = ("transaction_id", "student_no", "campaign", "amount", "paid_at")
# Unsigned calls: per address per minute before 429; kept in the log per hour; kept for days.
BAD_SIGNATURE_PER_ADDRESS_PER_MINUTE = 10
BAD_SIGNATURE_WINDOW_SECONDS = 60
BAD_SIGNATURE_LOGGED_PER_HOUR = 100
BAD_SIGNATURE_KEPT = datetime.timedelta(days=7)


@dataclass(frozen=True)
class CallbackOutcome:
    http_status: int
    body: dict


class _Reject(CodedError):
    """A refusal as a code and data (fees.callback_errors puts it into words)."""

    words = WORDS

    def __init__(self, http_status: int, code: str, data: dict | None = None):
        super().__init__(None, code, data)
        self.http_status = http_status

    @property
    def data(self) -> dict:
        return self.params


def _error(code: str, data: dict | None = None) -> dict:
    return {"status": "error", "code": code, "error": describe(code, data)}


def signature_for(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature_for(body, secret).encode(), header.strip().encode())


def idempotency_key(transaction_id: str) -> str:
    return platform_key(transaction_id)


def _signed(body: bytes, signature: str) -> bool:
    secret = settings.FEES_CALLBACK_SECRET
    return bool(secret) and signature_valid(body, signature, secret)


def _too_many_unsigned(remote_addr: str) -> bool:
    key = f"fees:callback:unsigned:{hashlib.sha256(remote_addr.encode()).hexdigest()[:32]}"
    cache.add(key, 0, timeout=BAD_SIGNATURE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=BAD_SIGNATURE_WINDOW_SECONDS)
        count = 1
    return count > BAD_SIGNATURE_PER_ADDRESS_PER_MINUTE


def _keep_unsigned_log() -> bool:
    now = timezone.now()
    CallbackLog.objects.filter(status=CallbackStatus.BAD_SIGNATURE, received_at__lt=now - BAD_SIGNATURE_KEPT).delete()
    recent = CallbackLog.objects.filter(
        status=CallbackStatus.BAD_SIGNATURE, received_at__gte=now - datetime.timedelta(hours=1)
    )
    return recent.count() < BAD_SIGNATURE_LOGGED_PER_HOUR


def handle_callback(*, body: bytes, signature: str, remote_addr: str = "") -> CallbackOutcome:
    if not _signed(body, signature) and _too_many_unsigned(remote_addr or ""):
        return CallbackOutcome(429, _error("rate_limited"))
    log = CallbackLog(
        # PostgreSQL text cannot hold NUL; the log must be writable whatever was sent.
        raw_body=body[:LOGGED_BODY_CHARS].decode("utf-8", errors="replace").replace("\x00", "\\x00"),
        signature=(signature or "")[:200].replace("\x00", ""),
        remote_addr=(remote_addr or "")[:64].replace("\x00", ""),
    )
    try:
        outcome = _process(body, signature, log)
    except _Reject as reject:
        log.status = CallbackStatus.BAD_SIGNATURE if reject.code == "bad_signature" else CallbackStatus.REJECTED
        log.error_code, log.error_data = reject.code, reject.data
        outcome = CallbackOutcome(reject.http_status, _error(reject.code, reject.data))
    log.http_status = outcome.http_status
    if log.status != CallbackStatus.BAD_SIGNATURE or _keep_unsigned_log():
        log.save()
    return outcome


def _process(body: bytes, signature: str, log: CallbackLog) -> CallbackOutcome:
    data = _signed_payload(body, signature)
    transaction_id = _string(data, "transaction_id", 64)
    log.transaction_id = transaction_id
    student_no = _string(data, "student_no", 32)
    campaign_code = _string(data, "campaign", 32)
    amount = _amount(data["amount"])
    paid_at = _paid_at(data["paid_at"])

    key = idempotency_key(transaction_id)
    existing = Entry.objects.select_related("account__student").filter(idempotency_key=key).first()
    if existing is not None:
        if existing.account.student.student_no != student_no or existing.amount != amount:
            log.error_code = "duplicate_mismatch"
            log.error_data = {"student_no": student_no, "amount": str(amount)}
        return _duplicate(existing, log)
    campaign = Campaign.objects.filter(code=campaign_code).first()
    if campaign is None:
        raise _Reject(404, "unknown_campaign", {"campaign": campaign_code})
    student = Student.objects.filter(campaign=campaign, student_no=student_no).first()
    if student is None:
        raise _Reject(404, "unknown_student", {"campaign": campaign_code, "student_no": student_no})
    try:
        with transaction.atomic():
            posted = post_platform_payment(
                student=student,
                amount=amount,
                transaction_id=transaction_id,
                paid_at=paid_at,
            )
    except FeeError as exc:
        # A payment that went through online but is over what is owed: staff refund it.
        raise _Reject(400 if exc.code == "bad_paid_at" else 409, exc.code, exc.params)
    if not posted.created:
        return _duplicate(posted.entry, log)
    log.status = CallbackStatus.POSTED
    log.entry = posted.entry
    return CallbackOutcome(200, {"status": "posted", "entry": posted.entry.pk})


def _signed_payload(body: bytes, signature: str) -> dict:
    """The JSON object of a correctly signed, bounded body that carries every field."""
    secret = settings.FEES_CALLBACK_SECRET
    if not secret:
        raise _Reject(403, "bad_signature", {"unconfigured": True})
    if not signature_valid(body, signature, secret):
        raise _Reject(403, "bad_signature")
    if len(body) > MAX_BODY_BYTES:
        raise _Reject(413, "too_large")
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Reject(400, "malformed", {"problem": "not_json"})
    if not isinstance(data, dict):
        raise _Reject(400, "malformed", {"problem": "not_object"})
    missing = [name for name in FIELDS if name not in data or data[name] in (None, "")]
    if missing:
        raise _Reject(400, "malformed", {"problem": "missing", "fields": missing})
    return data


def _amount(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, Decimal)):
        raise _Reject(400, "malformed", {"problem": "amount_type"})
    try:
        return parse_amount(value)
    except FeeError as exc:
        raise _Reject(400, "bad_amount", {"reason": exc.code, **exc.params})


def _duplicate(entry: Entry, log: CallbackLog) -> CallbackOutcome:
    log.status = CallbackStatus.DUPLICATE
    log.entry = entry
    return CallbackOutcome(200, {"status": "duplicate", "entry": entry.pk})


def _string(data: dict, name: str, max_length: int) -> str:
    value = data[name]
    if isinstance(value, Decimal) and value.is_finite() and abs(value) < Decimal(10) ** 32:
        if value == value.to_integral_value():
            value = str(int(value))
    if not isinstance(value, str):
        raise _Reject(400, "malformed", {"problem": "not_string", "field": name})
    value = value.strip()
    if not value or len(value) > max_length or not value.isprintable():
        raise _Reject(400, "malformed", {"problem": "empty_or_long", "field": name})
    return value


def _paid_at(value) -> datetime.datetime:
    if not isinstance(value, str):
        raise _Reject(400, "malformed", {"problem": "paid_at_type"})
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise _Reject(400, "malformed", {"problem": "paid_at_invalid"})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
