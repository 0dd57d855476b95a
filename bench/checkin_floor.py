"""The floor of a desk swipe, for bench/checkin.py: the rows a first swipe writes, and nothing else.

A POST here (same session, auth, CSRF and middleware as the desk) looks the student up by ID
number in one SELECT, then writes, in one transaction of raw SQL on the psycopg2 cursor:
the capture, the 拍摄号 (counter upsert + number row), the fee account's cached totals (an upsert)
and its ledger entry, the verification clock, the desk's nonce row and the audit event. No
scope checks, no form, no answer beyond the number: what is left when the rules cost nothing.

Every table and column name comes from the models' `_meta`, and each INSERT must name every
NOT NULL column of its model (checked when this module is imported): a renamed or added field
stops the benchmark with its name instead of measuring a floor that no longer matches a swipe.
"""

import datetime
import json
import uuid
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import AuditEvent
from capture_day.models import DeskSwipe
from fees.models import Entry, FeeAccount, Kind, NoteCode
from sessions_app.models import Campaign, Capture, CaptureGroup, Slot, Student
from sessions_app.models_shots import Shot, ShotCounter
from verification.models import VerificationRecord
from verification.services import due_date_for

quote = connection.ops.quote_name


def table(model) -> str:
    return quote(model._meta.db_table)


def col(model, field: str) -> str:
    """The quoted column of `field`; FieldDoesNotExist if the model no longer has it."""
    return quote(model._meta.get_field(field).column)


def insert(model, fields: tuple[str, ...], *, suffix: str | None = None) -> str:
    """INSERT INTO model's table (fields' columns) VALUES (%s, ...) `suffix` (default: RETURNING its pk)."""
    suffix = suffix if suffix is not None else f"RETURNING {quote(model._meta.pk.column)}"
    required = {
        f.name for f in model._meta.concrete_fields if not f.null and not f.primary_key and f.db_default is NOT_PROVIDED
    }
    missing = required - set(fields)
    if missing:
        raise SystemExit(f"bench floor: {model.__name__} has NOT NULL fields the floor does not write: {missing}")
    columns = ", ".join(col(model, f) for f in fields)
    return f"INSERT INTO {table(model)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) {suffix}"


# The columns of each write, next to its model.
CAPTURE = ("campaign", "student", "slot", "captured_at", "captured_by", "method", "wrong_slot", "undo_reason")
COUNTER = ("group", "day", "last_number")
SHOT = ("group", "day", "number", "capture", "assigned_at", "void_code", "void_reason")
ACCOUNT = ("campaign", "student", "charged", "paid", "waived", "balance", "updated_at")
ENTRY = (
    "account",
    "college",
    "kind",
    "amount",
    "method",
    "note",
    "note_code",
    "note_data",
    "posted_at",
    "posted_by",
    "occurred_at",
    "idempotency_key",
)
RECORD = (
    "campaign",
    "student",
    "capture",
    "captured_on",
    "due_date",
    "is_active",
    "confirmation_source",
    "chsi_status",
    "created_at",
    "updated_at",
)
SWIPE = ("nonce", "slot", "operator", "outcome", "student", "capture", "code_hint", "swiped_at", "received_at")
AUDIT = ("created_at", "actor", "action", "campaign", "content_type", "object_id", "data")

LOOKUP = (
    f"SELECT st.{col(Student, 'id')}, st.{col(Student, 'college')}, c.{col(Campaign, 'id')},"
    f" g.{col(CaptureGroup, 'id')}, c.{col(Campaign, 'fee_per_person')}, c.{col(Campaign, 'verification_window')},"
    f" c.{col(Campaign, 'verification_window_unit')}"
    f" FROM {table(Slot)} s JOIN {table(CaptureGroup)} g ON g.{col(CaptureGroup, 'id')} = s.{col(Slot, 'group')}"
    f" JOIN {table(Campaign)} c ON c.{col(Campaign, 'id')} = g.{col(CaptureGroup, 'campaign')}"
    f" JOIN {table(Student)} st ON st.{col(Student, 'campaign')} = c.{col(Campaign, 'id')}"
    f" AND st.{col(Student, 'id_number')} = %s WHERE s.{col(Slot, 'id')} = %s"
)
INSERT_CAPTURE = insert(Capture, CAPTURE)
_last = col(ShotCounter, "last_number")
TAKE_NUMBER = insert(
    ShotCounter,
    COUNTER,
    suffix=f"ON CONFLICT ({col(ShotCounter, 'group')}, {col(ShotCounter, 'day')}) "
    f"DO UPDATE SET {_last} = {table(ShotCounter)}.{_last} + 1 RETURNING {_last}",
)
INSERT_SHOT = insert(Shot, SHOT)
_totals = ", ".join(
    f"{col(FeeAccount, f)} = {table(FeeAccount)}.{col(FeeAccount, f)} + EXCLUDED.{col(FeeAccount, f)}"
    for f in ("charged", "balance")
)
CHARGE_ACCOUNT = insert(
    FeeAccount,
    ACCOUNT,
    suffix=f"ON CONFLICT ({col(FeeAccount, 'student')}) DO UPDATE SET {_totals}, "
    f"{col(FeeAccount, 'updated_at')} = EXCLUDED.{col(FeeAccount, 'updated_at')} RETURNING {col(FeeAccount, 'id')}",
)
INSERT_ENTRY = insert(Entry, ENTRY)
INSERT_RECORD = insert(VerificationRecord, RECORD)
INSERT_SWIPE = insert(DeskSwipe, SWIPE)
INSERT_AUDIT = insert(AuditEvent, AUDIT)
ZERO = Decimal("0")
# What floor_swipe sends on its own cursor (the lookup and eight writes), besides the session and
# user queries every logged-in request makes: the raw cursor is not seen by execute_wrapper.
RAW_STATEMENTS = 9


@require_POST
@login_required
def floor_swipe(request, slot_id: int):
    code = request.POST.get("code", "").strip()
    nonce = uuid.UUID(request.POST["nonce"])
    swiped_at = datetime.datetime.fromisoformat(request.POST["swiped_at"])
    now = timezone.now()
    today = timezone.localdate(now)
    operator = request.user.pk
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg2's own: no Django wrapper per statement
        cursor.execute(LOOKUP, [code, slot_id])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"outcome": "not_found"}, status=404)
        student, college, campaign, group, fee, window, unit = row
        cursor.execute(INSERT_CAPTURE, [campaign, student, slot_id, now, operator, "id_card", False, ""])
        capture = cursor.fetchone()[0]
        cursor.execute(TAKE_NUMBER, [group, today, 1])
        number = cursor.fetchone()[0]
        cursor.execute(INSERT_SHOT, [group, today, number, capture, now, "", ""])
        cursor.execute(CHARGE_ACCOUNT, [campaign, student, fee, ZERO, ZERO, fee, now])
        account = cursor.fetchone()[0]
        key = f"charge:capture:{capture}"
        entry_values = [account, college, Kind.CHARGE.value, fee, "", "", NoteCode.CAPTURE_CHARGE.value, "{}", now]
        cursor.execute(INSERT_ENTRY, [*entry_values, operator, now, key])
        due = due_date_for(
            campaign=Campaign(verification_window=window, verification_window_unit=unit), captured_on=today
        )
        cursor.execute(INSERT_RECORD, [campaign, student, capture, today, due, True, "", "", now, now])
        cursor.execute(INSERT_SWIPE, [nonce, slot_id, operator, "captured", student, capture, "", swiped_at, now])
        data = {"student_id": student, "slot_id": slot_id, "wrong_slot": False, "method": "id_card", "shot": number}
        content_type = ContentType.objects.get_for_model(Capture).pk  # cached after the first request
        cursor.execute(
            INSERT_AUDIT, [now, operator, "capture.record", campaign, content_type, capture, json.dumps(data)]
        )
    return JsonResponse({"outcome": "captured", "shot": {"number": number}, "capture_id": capture})
