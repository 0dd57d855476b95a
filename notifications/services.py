"""Sending a message to a person: the one place that records and transmits notifications.

Guarantees (see also tasks.py):
- One Notification per (recipient, kind, subject, step), ever: a unique constraint, and
  inserts use ON CONFLICT DO NOTHING, so reruns and concurrent beat processes add nothing.
- The inbox message is the Notification row itself, committed in the caller's transaction:
  exactly once, and shown even to a student without email or phone.
- Email/SMS deliveries move pending -> sending -> sent (or failed -> retried). The claim is a
  conditional UPDATE committed before the transport call and "sent" is recorded only by the
  holder of the claim, so a redelivered task never records a second send. A worker killed
  between the transport call and the "sent" write leaves the delivery "sending"; it is taken
  again once its lease (longer than the task hard time limit) expires, so the external
  channels are at-least-once at the transport edge (with a stable Message-ID for email).
"""

import dataclasses
import datetime
import itertools
import logging
import time
import uuid
from collections.abc import Iterable
from enum import Enum
from functools import partial
from typing import Any, cast

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage, get_connection
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from sessions_app.models import Student

from .messages import is_registered, plain_data, render
from .models import Channel, Delivery, DeliveryError, DeliveryStatus, Notification
from .sms import get_sms_backend

logger = logging.getLogger(__name__)

# The Celery name of tasks.send_deliveries, which this module enqueues.
SEND_DELIVERIES_TASK = "notifications.send_deliveries"
ALL_CHANNELS = (Channel.INBOX.value, Channel.EMAIL.value, Channel.SMS.value)

# One row of a multi-row INSERT, in database form (see _db_value).
Row = tuple[Any, ...]
# A Notification's unique key: user id, student id, kind, subject type id, subject id, step.
NotificationKey = tuple[int | None, int | None, str, int, Any, str]


@dataclasses.dataclass(frozen=True)
class Message:
    recipient: User | Student
    kind: str
    subject: models.Model
    step: str
    code: str  # a registered message code (notifications.messages); the words are made when shown
    data: dict[str, Any]
    channels: tuple[str, ...] = ALL_CHANNELS


def notify(
    *,
    recipient: User | Student,
    kind: str,
    subject: models.Model,
    step: str,
    code: str,
    data: dict[str, Any],
    channels: tuple[str, ...] = ALL_CHANNELS,
) -> bool:
    """Record one message; True if new (email/SMS enqueued on commit), False if already recorded."""
    message = Message(recipient, kind, subject, step, code, data, tuple(channels))
    return notify_many(messages=[message]) == 1


def notify_many(*, messages: Iterable[Message], batch_size: int = 2000) -> int:
    """Record many messages with a constant number of queries per batch; returns how many were new."""
    created = 0
    iterator = iter(messages)
    while chunk := list(itertools.islice(iterator, batch_size)):
        with transaction.atomic():
            created += _record_batch(chunk)
    return created


def _recipient_fields(recipient: User | Student) -> tuple[User | None, Student | None, str, str]:
    """(user, student, email, phone); the Student row's contacts win, the account fills gaps."""
    if isinstance(recipient, Student):
        account = recipient.user if recipient.user_id else None
        email = recipient.email or (account.email if account else "")
        phone = recipient.phone or (account.phone if account else "")
        return None, recipient, email, phone
    if isinstance(recipient, User):
        email, phone = recipient.email, recipient.phone
        if recipient.is_student and not (email and phone):
            try:
                profile = recipient.student_profile
            except ObjectDoesNotExist:
                profile = None
            if profile is not None:
                email, phone = email or profile.email, phone or profile.phone
        return recipient, None, email, phone
    raise TypeError(f"notify() needs a User or a Student, not {type(recipient).__name__}")


def _insert_rows(
    model: type[models.Model], columns: list[str], rows: list[Row], *, ignore_conflicts: bool = False
) -> None:
    """Multi-row INSERT of ready DB values, without a model instance per row.

    The reminder fan-out writes three rows per student for tens of thousands of students;
    building and compiling model instances for each was most of its time. Values must
    already be in database form (see _db_value); only constants per batch need converting.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(cast(str, _concrete_field(model, c).column)) for c in columns)
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Stay under SQLite's limit on bound parameters per statement.
    per_statement = max(1, 30000 // len(columns))
    # ON CONFLICT DO NOTHING skips only uniqueness conflicts (PostgreSQL, SQLite >= 3.24), unlike INSERT OR IGNORE.
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            params = [value for row in part for value in row]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholder] * len(part))}{suffix}", params
            )


def _concrete_field(model: type[models.Model], name: str) -> "models.Field[Any, Any]":
    # Every name this module writes is a concrete field of the model (with a column), never a
    # reverse relation, which is all get_field's wider type adds.
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _db_value(model: type[models.Model], field: str, value: object) -> Any:
    return _concrete_field(model, field).get_db_prep_save(value, connection)


def _record_batch(chunk: list[Message]) -> int:
    """Insert the chunk's notifications (a repeat is skipped by the unique key), then the email
    and SMS deliveries of those that are new, enqueued once the transaction commits."""
    batch = uuid.uuid4()
    now_db = _db_value(Notification, "created_at", timezone.now())
    rows, wanted = _notification_rows(chunk, batch_db=_db_value(Notification, "batch", batch), now_db=now_db)
    _insert_rows(Notification, NOTIFICATION_COLUMNS, rows, ignore_conflicts=True)
    new_rows = Notification.objects.filter(batch=batch).values_list(
        "id", "user_id", "student_id", "kind", "subject_type_id", "subject_id", "step"
    )
    deliveries: list[Row] = []
    count = 0
    for notification_id, *key in new_rows:
        count += 1
        deliveries.extend(_delivery_rows(notification_id, *wanted[cast(NotificationKey, tuple(key))], now_db=now_db))
    if deliveries:
        _insert_rows(Delivery, DELIVERY_COLUMNS, deliveries)
        ids = list(Delivery.objects.filter(notification__batch=batch).order_by("id").values_list("id", flat=True))
        # enqueue_deliveries logs a broker that is down instead of raising;
        # the sweeper picks up deliveries that were never enqueued.
        transaction.on_commit(partial(enqueue_deliveries, ids))
    return count


NOTIFICATION_COLUMNS = [
    "user",
    "student",
    "kind",
    "subject_type",
    "subject_id",
    "step",
    "code",
    "data",
    "in_inbox",
    "created_at",
    "batch",
]
DELIVERY_COLUMNS = [
    "notification",
    "channel",
    "address",
    "status",
    "attempts",
    "error_code",
    "last_error",
    "created_at",
]


def _notification_rows(
    chunk: list[Message], *, batch_db: object, now_db: object
) -> tuple[list[Row], dict[NotificationKey, tuple[Message, str, str]]]:
    """The INSERT rows of the chunk, and per unique key the message with its email and phone."""
    rows: list[Row] = []
    wanted: dict[NotificationKey, tuple[Message, str, str]] = {}
    for message in chunk:
        unknown = set(message.channels) - set(ALL_CHANNELS)
        if unknown:
            raise ValueError(f"unknown channels: {sorted(unknown)}")
        if message.subject.pk is None:
            raise ValueError("notify() needs a saved subject")
        if not is_registered(message.code):
            raise ValueError(f"unregistered message code {message.code!r}: register it with notifications.messages")
        data_db = _db_value(Notification, "data", plain_data(message.data))
        user, student, email, phone = _recipient_fields(message.recipient)
        subject_type = ContentType.objects.get_for_model(message.subject)  # cached per model
        key: NotificationKey = (
            user.pk if user else None,
            student.pk if student else None,
            message.kind,
            subject_type.pk,
            message.subject.pk,
            message.step,
        )
        wanted[key] = (message, email, phone)
        rows.append((*key, message.code, data_db, Channel.INBOX in message.channels, now_db, batch_db))
    return rows, wanted


def _delivery_rows(notification_id: int, message: Message, email: str, phone: str, *, now_db: object) -> list[Row]:
    rows: list[Row] = []
    for channel, address in ((Channel.EMAIL, email), (Channel.SMS, phone)):
        # No address: the inbox message is all this person gets, and that is recorded.
        if channel in message.channels and address:
            rows.append(
                (notification_id, channel.value, address[:254], DeliveryStatus.PENDING.value, 0, "", "", now_db)
            )
    return rows


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Queue the sends in chunks. A broker that is down is logged, not raised: the caller's
    committed work must not turn into an error page, and the sweeper sends what stays pending."""
    # By name: tasks.py calls this module, so importing it here would close a cycle.
    app = current_app
    send_deliveries = app.tasks[SEND_DELIVERIES_TASK]
    size = settings.NOTIFICATIONS_SEND_CHUNK
    chunks = [delivery_ids[i : i + size] for i in range(0, len(delivery_ids), size)]
    if app.conf.task_always_eager:
        for chunk in chunks:
            send_deliveries.apply_async((chunk,))
        return
    try:
        # One broker connection for the whole fan-out instead of one per message.
        with app.producer_or_acquire() as producer:
            for chunk in chunks:
                send_deliveries.apply_async((chunk,), producer=producer)
    except (BrokerError, OSError) as exc:
        logger.warning("broker unreachable, %s deliveries left for the sweeper: %r", len(delivery_ids), exc)


class Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"  # recorded; retry after `retry_in`
    GAVE_UP = "gave_up"  # failed max attempts times
    BUSY = "busy"  # another worker holds a live claim; look again after `retry_in`
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


def _claimable(now: datetime.datetime) -> Q:
    lease = datetime.timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)
    under_limit = Q(attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS)
    return (
        Q(status=DeliveryStatus.PENDING)
        | (Q(status=DeliveryStatus.FAILED) & under_limit)
        | (Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease) & under_limit)
    )


def send_delivery(
    *, delivery_id: int, now: datetime.datetime | None = None, connections: dict[str, Any] | None = None
) -> SendResult:
    """Send one email/SMS delivery if it is still due. Safe to call any number of times."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
    )
    if not claimed:
        row = Delivery.objects.filter(pk=delivery_id).values("status", "claimed_at").first()
        if row and row["status"] == DeliveryStatus.SENDING:
            assert row["claimed_at"] is not None  # the claim that set SENDING stamped it
            lease_end = row["claimed_at"] + datetime.timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)
            return SendResult(Outcome.BUSY, max((lease_end - now).total_seconds(), 0) + 1)
        return SendResult(Outcome.NOTHING)

    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        _transmit(delivery, connections if connections is not None else {})
    except Exception as exc:  # any transport failure is recorded and retried, never lost
        gave_up = delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        retry_in = None if gave_up else backoff_seconds(delivery.attempts)
        Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
            status=DeliveryStatus.FAILED,
            claim_token=None,
            error_code=DeliveryError.TRANSPORT,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            next_attempt_at=None if retry_in is None else now + datetime.timedelta(seconds=retry_in),
        )
        logger.warning("delivery %s failed (attempt %s): %s", delivery_id, delivery.attempts, type(exc).__name__)
        return SendResult(Outcome.GAVE_UP) if gave_up else SendResult(Outcome.FAILED, retry_in)

    marked = Delivery.objects.filter(pk=delivery_id, claim_token=token, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=now, claim_token=None, error_code="", last_error=""
    )
    if not marked:
        # Our lease ran out mid-send and another worker took over; it records the send.
        logger.warning("delivery %s: lease lost during send", delivery_id)
    return SendResult(Outcome.SENT)


def _transmit(delivery: Delivery, connections: dict[str, Any]) -> None:
    delay = settings.NOTIFICATIONS_TEST_SEND_DELAY
    if delay:
        time.sleep(delay)  # only set by the worker integration test, to widen the window for a kill
    # Rendered now, in the portal's language: the recipient has no language of their own, and the
    # request that queued the send (eager mode) may be in the language of whoever started it.
    with translation.override(settings.LANGUAGE_CODE):
        title, body = render(delivery.notification.code, delivery.notification.data)
    if delivery.channel == Channel.EMAIL:
        if "email" not in connections:
            connections["email"] = get_connection()
        EmailMessage(
            subject=title,
            body=body,
            to=[delivery.address],
            connection=connections["email"],
            # Stable per delivery: a resend after a lost "sent" write can be recognised downstream.
            headers={"Message-ID": f"<delivery-{delivery.pk}@{settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN}>"},
        ).send()
    elif delivery.channel == Channel.SMS:
        if "sms" not in connections:
            connections["sms"] = get_sms_backend()
        connections["sms"].send(delivery.address, f"{settings.SMS_SIGNATURE}{title}：{body}")
    else:
        raise ValueError(f"not an external channel: {delivery.channel}")


def deliveries_to_requeue(*, now: datetime.datetime | None = None, limit: int = 2000) -> list[int]:
    """Deliveries that no queued task will pick up: never enqueued, retry due, or claim abandoned."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)
    stale_pending = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_REQUEUE_PENDING_AFTER_SECONDS)
    under_limit = Q(attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS)
    # Abandoned claims that used up every attempt stop here, visibly failed.
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease).exclude(under_limit).update(
        status=DeliveryStatus.FAILED, claim_token=None, error_code=DeliveryError.INTERRUPTED, last_error=""
    )
    due = (
        Q(status=DeliveryStatus.PENDING, created_at__lt=stale_pending)
        | (Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now) & under_limit)
        | (Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease) & under_limit)
    )
    return list(Delivery.objects.filter(due).order_by("id").values_list("id", flat=True)[:limit])


def mark_read(
    *, user: User | AnonymousUser, notification_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> int:
    from .selectors import inbox_for

    qs = inbox_for(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return Notification.objects.filter(pk__in=qs.values("pk")).update(read_at=now or timezone.now())
