"""Recording a message to a person: the Notification row (the inbox message) and its deliveries.

Guarantees:
- One Notification per (recipient, kind, subject, step), ever: a unique constraint, and
  inserts use ON CONFLICT DO NOTHING, so reruns and concurrent beat processes add nothing.
- The inbox message is the Notification row itself, committed in the caller's transaction:
  exactly once, and shown even to a student without email or phone.
- External deliveries (email, SMS, WeCom, a group robot) go to the channels the person
  prefers (ChannelPreference, else ROLE_DEFAULT_CHANNELS) among those the caller names; they
  are queued once the transaction commits and sent by notifications.sending.
"""

import dataclasses
import itertools
import logging
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any, cast

from celery import current_app
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import Role, User
from sessions_app.models import Student

from .messages import is_registered, plain_data
from .models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Notification,
)

logger = logging.getLogger(__name__)

# The Celery name of tasks.send_deliveries, which this module enqueues.
SEND_DELIVERIES_TASK = "notifications.send_deliveries"
ALL_CHANNELS = (
    Channel.INBOX.value,
    Channel.EMAIL.value,
    Channel.SMS.value,
    Channel.WECOM.value,
    Channel.ROBOT.value,
)
EXTERNAL_CHANNELS = ALL_CHANNELS[1:]

# Where a person is told when they have set nothing themselves. Students: SMS and e-mail (most
# are not in the school's WeCom). Staff at desks and offices live in WeCom; SMS costs money, so
# only roles that are away from a screen on the day (counselors, desk operators) get it.
ROLE_DEFAULT_CHANNELS: dict[str, frozenset[str]] = {
    Role.STUDENT: frozenset({Channel.EMAIL, Channel.SMS}),
    Role.STAFF: frozenset({Channel.EMAIL, Channel.WECOM}),
    Role.COORDINATOR: frozenset({Channel.EMAIL, Channel.WECOM}),
    Role.COUNSELOR: frozenset({Channel.EMAIL, Channel.WECOM, Channel.SMS}),
    Role.OPERATOR: frozenset({Channel.WECOM, Channel.SMS}),
}


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


def _recipient_fields(
    recipient: User | Student, preferences: dict[int, ChannelPreference]
) -> tuple[User | None, Student | None, dict[str, str]]:
    """(user, student, address per external channel the person gets). The Student row's contacts
    win, the account fills gaps; the channels are the person's preference, else their role's."""
    if isinstance(recipient, Student):
        account = recipient.user if recipient.user_id else None
        email = recipient.email or (account.email if account else "")
        phone = recipient.phone or (account.phone if account else "")
        user, student, role = None, recipient, Role.STUDENT.value
        wecom_source: User | Student = account or recipient
    elif isinstance(recipient, User):
        account = recipient
        email, phone = recipient.email, recipient.phone
        if recipient.is_student and not (email and phone):
            try:
                profile = recipient.student_profile
            except ObjectDoesNotExist:
                profile = None
            if profile is not None:
                email, phone = email or profile.email, phone or profile.phone
        user, student, role = recipient, None, recipient.role
        wecom_source = recipient
    else:
        raise TypeError(f"notify() needs a User or a Student, not {type(recipient).__name__}")
    preference = preferences.get(account.pk) if account is not None else None
    wanted: set[str]
    if preference is not None:
        choices = ((Channel.EMAIL, preference.email), (Channel.SMS, preference.sms), (Channel.WECOM, preference.wecom))
        wanted = {channel.value for channel, on in choices if on}
    else:
        wanted = set(ROLE_DEFAULT_CHANNELS.get(role, frozenset({Channel.EMAIL.value, Channel.SMS.value})))
    addresses = {Channel.EMAIL.value: email, Channel.SMS.value: phone}
    # WeCom only where the school has configured its app: the person's WeCom id, else their
    # 学工号 (the account's username, or the student number of a student without an account).
    # Read only when wanted: a fan-out loads students without their student number.
    if Channel.WECOM in wanted and settings.WECOM_CORP_ID:
        addresses[Channel.WECOM.value] = (preference.wecom_userid if preference else "") or (
            wecom_source.username if isinstance(wecom_source, User) else wecom_source.student_no
        )
    if preference is not None and preference.robot_key:  # the group robot only where one is named
        wanted.add(Channel.ROBOT.value)
        addresses[Channel.ROBOT.value] = preference.robot_key
    return user, student, {channel: address for channel, address in addresses.items() if channel in wanted and address}


def _preferences(chunk: list[Message]) -> dict[int, ChannelPreference]:
    """The chunk's preference rows in one query, by account id."""
    ids = set()
    for message in chunk:
        recipient = message.recipient
        account_id = recipient.pk if isinstance(recipient, User) else getattr(recipient, "user_id", None)
        if account_id:
            ids.add(account_id)
    if not ids:
        return {}
    return {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=ids)}


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
    "provider",
    "provider_message_id",
]


def _notification_rows(
    chunk: list[Message], *, batch_db: object, now_db: object
) -> tuple[list[Row], dict[NotificationKey, tuple[Message, dict[str, str]]]]:
    """The INSERT rows of the chunk, and per unique key the message with its address per channel."""
    rows: list[Row] = []
    wanted: dict[NotificationKey, tuple[Message, dict[str, str]]] = {}
    preferences = _preferences(chunk)
    for message in chunk:
        unknown = set(message.channels) - set(ALL_CHANNELS)
        if unknown:
            raise ValueError(f"unknown channels: {sorted(unknown)}")
        if message.subject.pk is None:
            raise ValueError("notify() needs a saved subject")
        if not is_registered(message.code):
            raise ValueError(f"unregistered message code {message.code!r}: register it with notifications.messages")
        data_db = _db_value(Notification, "data", plain_data(message.data))
        user, student, addresses = _recipient_fields(message.recipient, preferences)
        subject_type = ContentType.objects.get_for_model(message.subject)  # cached per model
        key: NotificationKey = (
            user.pk if user else None,
            student.pk if student else None,
            message.kind,
            subject_type.pk,
            message.subject.pk,
            message.step,
        )
        wanted[key] = (message, addresses)
        rows.append((*key, message.code, data_db, Channel.INBOX in message.channels, now_db, batch_db))
    return rows, wanted


def _delivery_rows(notification_id: int, message: Message, addresses: dict[str, str], *, now_db: object) -> list[Row]:
    rows: list[Row] = []
    for channel in EXTERNAL_CHANNELS:
        address = addresses.get(channel, "")
        # No address or not wanted: the inbox message is all this person gets, and that is recorded.
        if channel in message.channels and address:
            rows.append(
                (notification_id, channel, address[:254], DeliveryStatus.PENDING.value, 0, "", "", now_db, "", "")
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
