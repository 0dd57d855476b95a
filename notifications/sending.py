"""Sending one external delivery, at most once (recorded by notifications.recording).

A delivery moves pending -> sending -> sent, or failed (retried only for a transient code). The
claim is a conditional UPDATE committed before the provider call, and only its holder records the
outcome. A delivery carries the provider's own de-duplication key (Alibaba OutId, Tencent
SessionContext, the e-mail Message-ID). At most once: a claim whose lease ran out (the worker died,
or the database refused the "sent" write after the provider accepted) is never taken again; it
becomes "unknown", the provider is asked about the key where it can be (reconcile_delivery), and
otherwise staff decide (resolve_unknown_delivery).
"""

import dataclasses
import datetime
import logging
import smtplib
import socket
import time
import uuid
from enum import Enum
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation

from accounts.audit import record_event
from accounts.models import Role, User
from core.errors import CodedError
from core.locking import lock_row

from . import recording
from .messages import render
from .models import (
    TRANSIENT_ERRORS,
    Channel,
    Delivery,
    DeliveryError,
    DeliveryStatus,
    SmsTemplate,
)
from .providers.wecom import RobotBackend, WeComBackend
from .refusals import WORDS as REFUSALS
from .sms import get_sms_backend
from .transport import Found, Lookup, OutcomeUnknown, Outgoing, Receipt, SendFailed, TemplateCall

logger = logging.getLogger(__name__)


class DeliveryResolutionError(CodedError):
    """Raised as `DeliveryResolutionError.of(code)`; its words are in refusals.py."""

    words = REFUSALS


class Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"  # recorded; retry after `retry_in`
    GAVE_UP = "gave_up"  # failed for good: max attempts, or a refusal that would repeat
    BUSY = "busy"  # another worker holds a live claim; look again after `retry_in`
    UNKNOWN = "unknown"  # may have been sent before a crash; asked of the provider or left to staff
    NOTHING = "nothing"  # already sent, or not ours to send


@dataclasses.dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_in: float | None = None


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff, capped below the broker's visibility timeout."""
    base: int = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    ceiling: int = settings.NOTIFICATIONS_RETRY_MAX_SECONDS
    factor: int = 2 ** max(attempts - 1, 0)  # int ** int is typed Any: the exponent could be negative
    return min(base * factor, ceiling)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)


def _claimable() -> Q:
    """What a worker may (re)send: never a claim, live or dead. A dead claim may have reached the
    provider; it becomes UNKNOWN and is asked about, not sent again."""
    retryable = Q(status=DeliveryStatus.FAILED, attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS) & Q(
        error_code__in=TRANSIENT_ERRORS
    )
    return Q(status=DeliveryStatus.PENDING) | retryable


def _expire_claims(now: datetime.datetime, **filters: Any) -> int:
    """Claims whose lease ran out without a recorded outcome: the worker died somewhere between
    the claim and the mark (before the call, during it, or after the provider accepted)."""
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - _lease(), **filters).update(
        status=DeliveryStatus.UNKNOWN,
        claim_token=None,
        error_code=DeliveryError.UNKNOWN_OUTCOME,
        last_error="",
        checked_at=None,
    )


def send_delivery(
    *, delivery_id: int, now: datetime.datetime | None = None, connections: dict[str, Any] | None = None
) -> SendResult:
    """Send one external delivery if it is still due; at most once. Safe to call any number of times.

    The claim (a conditional UPDATE, committed) comes before the provider call, and only the
    holder of the claim records the outcome. A claim whose lease expired is never taken again:
    it becomes UNKNOWN, and its provider is asked by the delivery's de-duplication key."""
    now = now or timezone.now()
    connections = connections if connections is not None else {}
    row = Delivery.objects.filter(pk=delivery_id).values("status", "claimed_at", "channel").first()
    if row is None:
        return SendResult(Outcome.NOTHING)
    claimed_at: datetime.datetime | None = row["claimed_at"]
    if row["status"] == DeliveryStatus.SENDING and claimed_at is not None and claimed_at < now - _lease():
        _expire_claims(now, pk=delivery_id)
        row["status"] = DeliveryStatus.UNKNOWN
    if row["status"] == DeliveryStatus.UNKNOWN:
        return reconcile_delivery(delivery_id=delivery_id, now=now, connections=connections)
    if row["status"] == DeliveryStatus.SENDING:
        assert row["claimed_at"] is not None  # the claim that set SENDING stamped it
        lease_end = row["claimed_at"] + _lease()
        return SendResult(Outcome.BUSY, max((lease_end - now).total_seconds(), 0) + 1)
    try:
        backend = _backend(row["channel"], connections)
    except Exception as exc:  # a backend that cannot even be built is a configuration error
        _fail_unclaimed(delivery_id, DeliveryError.CONFIG, f"{type(exc).__name__}: {exc}")
        return SendResult(Outcome.GAVE_UP)
    token = uuid.uuid4()
    claimed = Delivery.objects.filter(_claimable(), pk=delivery_id).update(
        status=DeliveryStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        provider=_provider_name(backend),
    )
    if not claimed:
        return SendResult(Outcome.NOTHING)

    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        message = _outgoing(delivery)
        receipt = _transmit(delivery, message, backend)
    except OutcomeUnknown as exc:
        # The request may have been accepted (a time-out after it was written): not repeated blindly.
        Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
            status=DeliveryStatus.UNKNOWN,
            claim_token=None,
            error_code=DeliveryError.UNKNOWN_OUTCOME,
            last_error=str(exc)[:500],
            checked_at=None,
        )
        logger.warning("delivery %s: outcome unknown", delivery_id)
        return SendResult(Outcome.UNKNOWN)
    except SendFailed as exc:
        return _record_failure(delivery, token, now, exc.code, exc.detail or str(exc), transient=exc.transient)
    except Exception as exc:  # a development backend's error: recorded and retried, never lost
        return _record_failure(
            delivery, token, now, DeliveryError.TRANSPORT, f"{type(exc).__name__}: {exc}", transient=True
        )

    # If this write fails (the database going down) the claim stays SENDING: once its lease runs
    # out it becomes UNKNOWN and the provider is asked, so the message is not sent a second time.
    marked = Delivery.objects.filter(pk=delivery_id, claim_token=token, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        sent_at=now,
        claim_token=None,
        error_code="",
        last_error="",
        provider_message_id=receipt.message_id[:128],
    )
    if not marked:
        # Our lease ran out mid-send and the claim was declared unknown; its reconciliation records it.
        logger.warning("delivery %s: lease lost during send", delivery_id)
    return SendResult(Outcome.SENT)


def _record_failure(
    delivery: Delivery, token: uuid.UUID, now: datetime.datetime, code: str, detail: str, *, transient: bool
) -> SendResult:
    gave_up = not transient or delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
    retry_in = None if gave_up else backoff_seconds(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        status=DeliveryStatus.FAILED,
        claim_token=None,
        error_code=code,
        last_error=detail[:500],
        next_attempt_at=None if retry_in is None else now + datetime.timedelta(seconds=retry_in),
    )
    logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, code)
    return SendResult(Outcome.GAVE_UP) if gave_up else SendResult(Outcome.FAILED, retry_in)


def _fail_unclaimed(delivery_id: int, code: str, detail: str) -> None:
    Delivery.objects.filter(_claimable(), pk=delivery_id).update(
        status=DeliveryStatus.FAILED, error_code=code, last_error=detail[:500], next_attempt_at=None
    )


def _provider_name(backend: Any) -> str:
    return str(getattr(backend, "provider", type(backend).__name__.lower()))[:32]


def _backend(channel: str, connections: dict[str, Any]) -> Any:
    """The backend of a channel, built once per task run."""
    if channel not in connections:
        if channel == Channel.EMAIL:
            connections[channel] = get_connection()
        elif channel == Channel.SMS:
            connections[channel] = get_sms_backend()
        elif channel == Channel.WECOM:
            connections[channel] = WeComBackend()
        elif channel == Channel.ROBOT:
            connections[channel] = RobotBackend()
        else:
            raise ValueError(f"not an external channel: {channel}")
    return connections[channel]


def _link(data: dict[str, Any]) -> str:
    """The page a WeCom card opens: the message's own link, else the inbox."""
    url = data.get("url") if isinstance(data.get("url"), str) else ""
    if url and url.startswith(("https://", "http://")):
        return str(url)
    site: str = settings.SITE_URL
    return site.rstrip("/") + reverse("notifications:inbox")


def _outgoing(delivery: Delivery) -> Outgoing:
    notification = delivery.notification
    # Rendered now, in the portal's language: the recipient has no language of their own, and the
    # request that queued the send (eager mode) may be in the language of whoever started it.
    with translation.override(settings.LANGUAGE_CODE):
        title, body = render(notification.code, notification.data)
    return Outgoing(
        delivery_id=delivery.pk,
        channel=delivery.channel,
        address=delivery.address,
        dedup_key=delivery.dedup_key,
        code=notification.code,
        data=notification.data or {},
        title=title,
        body=body,
        link=_link(notification.data or {}),
        claimed_at=delivery.claimed_at,
    )


def _template_call(message: Outgoing, provider: str) -> TemplateCall:
    template = SmsTemplate.objects.filter(code=message.code, provider=provider, active=True).first()
    if template is None:
        raise SendFailed(DeliveryError.NO_TEMPLATE, f"{message.code} / {provider}")
    extra = {"title": message.title, "body": message.body, "link": message.link}
    params = []
    for name in template.params or []:
        value = message.data.get(name, extra.get(name))
        if value is None:
            raise SendFailed(DeliveryError.TEMPLATE, f"no value for template parameter {name!r}")
        params.append((str(name), str(value)))
    return TemplateCall(template.template_code, tuple(params))


def _email_failure(exc: Exception) -> Exception:
    """An SMTP error as a refusal (the server answered: not accepted) or an unknown outcome (the
    connection broke after the message may have been handed over)."""
    detail = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return SendFailed(DeliveryError.INVALID_ADDRESS, detail)
    if isinstance(exc, smtplib.SMTPConnectError | ConnectionRefusedError | socket.gaierror):
        return SendFailed(DeliveryError.TRANSPORT, detail, transient=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        # 4xx: try later; 5xx: refused for good. Either way the server did not take the message.
        return SendFailed(
            DeliveryError.TRANSPORT if exc.smtp_code < 500 else DeliveryError.PROVIDER,
            detail,
            transient=exc.smtp_code < 500,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return OutcomeUnknown(detail)
    return SendFailed(DeliveryError.TRANSPORT, detail, transient=True)


def _transmit(delivery: Delivery, message: Outgoing, backend: Any) -> Receipt:
    delay = settings.NOTIFICATIONS_TEST_SEND_DELAY
    if delay:
        time.sleep(delay)  # only set by the worker integration test, to widen the window for a kill
    if delivery.channel == Channel.EMAIL:
        # Stable per delivery: a resend after a lost "sent" write can be recognised downstream.
        message_id = f"<{message.dedup_key}@{settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN}>"
        try:
            EmailMessage(
                subject=message.title,
                body=message.body,
                to=[delivery.address],
                connection=backend,
                headers={"Message-ID": message_id},
            ).send()
        except Exception as exc:
            raise _email_failure(exc) from exc
        return Receipt("email", message_id)
    if delivery.channel == Channel.SMS:
        if getattr(backend, "uses_templates", False):
            message = dataclasses.replace(message, template=_template_call(message, _provider_name(backend)))
            return cast(Receipt, backend.send_template(message))
        text = f"{settings.SMS_SIGNATURE}{message.title}：{message.body}"
        if hasattr(backend, "send_keyed"):
            backend.send_keyed(delivery.address, text, key=message.dedup_key)
        else:
            backend.send(delivery.address, text)
        return Receipt(_provider_name(backend))
    return cast(Receipt, backend.send_message(message))


def reconcile_delivery(
    *, delivery_id: int, now: datetime.datetime | None = None, connections: dict[str, Any] | None = None
) -> SendResult:
    """Settle an UNKNOWN delivery by asking its provider about its de-duplication key.

    Found: recorded as sent. The provider is sure it never got it: sent now (the claim makes
    this once). Otherwise (a provider that keeps no record, or cannot say): it stays UNKNOWN
    for staff, and is asked again after NOTIFICATIONS_RECHECK_SECONDS."""
    now = now or timezone.now()
    connections = connections if connections is not None else {}
    delivery = Delivery.objects.select_related("notification").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.UNKNOWN:
        return SendResult(Outcome.NOTHING)
    recheck = datetime.timedelta(seconds=settings.NOTIFICATIONS_RECHECK_SECONDS)
    if delivery.checked_at is not None and delivery.checked_at > now - recheck:
        return SendResult(Outcome.UNKNOWN)
    still_unknown = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.UNKNOWN)
    found = Found.CANNOT_TELL
    message_id = ""
    try:
        backend = _backend(delivery.channel, connections)
        if _provider_name(backend) == delivery.provider and hasattr(backend, "lookup"):
            answer: Lookup = backend.lookup(_outgoing(delivery))
            found, message_id = answer.found, answer.message_id
    except Exception as exc:  # the provider cannot be asked now: asked again later
        logger.warning("delivery %s: lookup failed: %s", delivery_id, type(exc).__name__)
    if found == Found.YES:
        still_unknown.update(
            status=DeliveryStatus.SENT,
            sent_at=delivery.claimed_at or now,
            error_code="",
            last_error="",
            checked_at=now,
            provider_message_id=message_id[:128],
        )
        return SendResult(Outcome.SENT)
    if found == Found.NO:
        # The provider never accepted it: it is due again, through the ordinary claim.
        if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            still_unknown.update(status=DeliveryStatus.FAILED, error_code=DeliveryError.INTERRUPTED, checked_at=now)
            return SendResult(Outcome.GAVE_UP)
        if still_unknown.update(
            status=DeliveryStatus.FAILED, error_code=DeliveryError.TRANSPORT, last_error="", checked_at=now
        ):
            return send_delivery(delivery_id=delivery_id, now=now, connections=connections)
        return SendResult(Outcome.NOTHING)
    still_unknown.update(checked_at=now)
    return SendResult(Outcome.UNKNOWN)


def _reconcilable_providers() -> set[str]:
    providers = set()
    try:
        backend = get_sms_backend()
        if hasattr(backend, "lookup"):
            providers.add(_provider_name(backend))
    except Exception:  # noqa: BLE001 (a misconfigured SMS backend is reported when a send uses it)
        pass
    return providers


def deliveries_to_requeue(*, now: datetime.datetime | None = None, limit: int = 2000) -> list[int]:
    """Deliveries that no queued task will pick up: never enqueued, retry due, or an unknown
    outcome that its provider can be asked about (again)."""
    now = now or timezone.now()
    stale_pending = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_REQUEUE_PENDING_AFTER_SECONDS)
    _expire_claims(now)
    recheck = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_RECHECK_SECONDS)
    ask_until = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_RECHECK_FOR_SECONDS)
    due = (
        Q(status=DeliveryStatus.PENDING, created_at__lt=stale_pending)
        | (Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now) & _claimable())
        | (
            Q(status=DeliveryStatus.UNKNOWN, provider__in=_reconcilable_providers(), claimed_at__gte=ask_until)
            & (Q(checked_at__isnull=True) | Q(checked_at__lte=recheck))
        )
    )
    return list(Delivery.objects.filter(due).order_by("id").values_list("id", flat=True)[:limit])


def resolve_unknown_delivery(*, actor: User, delivery_id: int, delivered: bool) -> Delivery:
    """Staff settle an unknown outcome they have checked (with the recipient, or the provider's
    console): delivered is recorded as sent; not delivered is sent again, once, through the claim."""
    if not (actor.is_superuser or actor.role == Role.STAFF):
        raise DeliveryResolutionError.of("staff_only")
    with transaction.atomic():
        delivery = lock_row(Delivery.objects.filter(pk=delivery_id), required=True)
        if delivery.status != DeliveryStatus.UNKNOWN:
            raise DeliveryResolutionError.of("not_unknown")
        now = timezone.now()
        if delivered:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = delivery.claimed_at or now
            delivery.error_code = ""
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.error_code = DeliveryError.TRANSPORT
            delivery.next_attempt_at = now
            # One more attempt even when the interrupted ones used up the limit: staff asked for it.
            delivery.attempts = min(delivery.attempts, settings.NOTIFICATIONS_MAX_ATTEMPTS - 1)
            transaction.on_commit(partial(recording.enqueue_deliveries, [delivery.pk]))
        delivery.checked_at = now
        delivery.save(update_fields=["status", "sent_at", "error_code", "next_attempt_at", "attempts", "checked_at"])
        record_event(
            actor=actor,
            action="delivery.resolve",
            obj=delivery,
            data={"delivered": delivered, "channel": delivery.channel},
        )
    return delivery


def configured_sms_provider() -> str:
    """The template provider SMS goes through ("aliyun", "tencent"), or "" for a development backend."""
    try:
        backend = get_sms_backend()
    except Exception:  # noqa: BLE001 (a misconfigured backend is reported when a send uses it)
        return ""
    return _provider_name(backend) if getattr(backend, "uses_templates", False) else ""
