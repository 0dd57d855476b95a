"""Importing a roster: validate everything, then write everything or nothing."""

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from core.locking import lock_row
from intake.errors import sorted_errors

from ..idcard import mask_id_number
from ..models import Campaign, Level, Student
from ..services import campaign_audiences, derived_slot, refresh_slot_assignments
from . import selectors
from .files import Source
from .messages import MESSAGES
from .parsing import ParsedRoster, ParsedRow, parse_roster
from .results import Change, ImportReport, PreviewRow

PREVIEW_ROWS = 50
# Large enough that a 20,000-row roster is a few dozen statements, small enough to keep memory flat.
WRITE_BATCH = 1000
# Characters per read() of the COPY stream (psycopg2's default is 8 KB): a few hundred rows per read.
COPY_CHUNK = 64 * 1024

# One row's values as the database takes them (str, int, date, None, …), aligned with the columns.
Record = tuple[Any, ...]
Progress = Callable[[int, int | None], None]


class _Cursor(Protocol):
    def execute(self, sql: str, params: list[Any]) -> Any: ...


class _RawCursor(Protocol):
    """psycopg2's cursor, below Django's wrapper: what COPY needs of it."""

    def copy_expert(self, sql: str, file: "_CopySource", size: int = ...) -> Any: ...


def _column(name: str) -> str:
    field = Student._meta.get_field(name)
    assert isinstance(field, models.Field)  # a name from the roster's own columns, never a relation's reverse
    return str(field.column)


def import_roster(
    *,
    campaign: Campaign,
    source: Source,
    actor: User | None,
    dry_run: bool = False,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import source into campaign; with any error (or dry_run) nothing is written.

    Students are matched by student number: new ones are created, changed ones updated,
    and students missing from the file are left alone (counted in not_in_file).
    source is a path, bytes or a file object (a background job passes a path). progress, if
    given, is called as progress(done, total) while the rows are checked.
    Raises files.RosterFileError (intake.IntakeError: code + params) when the file itself cannot be read.
    """
    parsed = parse_roster(source=source, campaign=campaign, filename=filename, progress=progress)
    report = ImportReport(
        rows=parsed.data_rows,
        errors=list(parsed.errors),
        warnings=list(parsed.warnings),
        dry_run=dry_run,
        counselors_without_account=dict(parsed.counselors_without_account),
        table=parsed.table,
        sheet=getattr(parsed.table, "sheet", ""),
    )
    if parsed.header is None or not parsed.fields:
        return report
    try:
        with transaction.atomic():
            if not dry_run:
                # Two imports into one campaign at once would both decide "create" for the same student.
                lock_row(Campaign.objects.filter(pk=campaign.pk).only("pk"), required=False)
            creates, updates, moved = _compare(parsed, campaign, report)
            report.errors = sorted_errors(report.errors)
            if report.errors or dry_run:
                return report
            _write(parsed, campaign, creates, updates)
            if moved:
                # New students were written with their slot already (_slot_values); only a changed
                # college, campus or level can move an existing one.
                refresh_slot_assignments(campaign=campaign)
            record_event(
                actor=actor,
                action="roster.import",
                campaign=campaign,
                data={
                    "file": filename,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "not_in_file": report.not_in_file,
                    "warnings": len(report.warnings),
                    "counselors_without_account": sorted(report.counselors_without_account),
                },
            )
            report.written = True
    except IntegrityError:
        # Someone changed a student (in the admin, say) between our checks and our writes.
        report.written = False
        report.errors.append(MESSAGES.error(None, None, "write_conflict"))
    return report


# The fields a student's slot is derived from (sessions_app.services.match_slots).
_SLOT_KEYS = ("college_id", "campus_id", "level")


def _compare(
    parsed: ParsedRoster, campaign: Campaign, report: ImportReport
) -> tuple[list[ParsedRow], list[tuple[int, ParsedRow]], bool]:
    """Sort rows into create / update / unchanged and find clashes with other students.

    The third value is True when an update changes what an existing student's slot follows from.
    """
    fields = parsed.fields
    slot_at = [fields.index(f) for f in _SLOT_KEYS if f in fields]
    moved = False
    existing = selectors.existing_students(campaign=campaign, fields=fields)
    by_no = {row[1]: (row[0], row[2:]) for row in existing}
    id_at = fields.index("id_number")
    id_owner = {row[2 + id_at]: row[1] for row in existing}
    code_at = fields.index("collection_code_hash") if "collection_code_hash" in fields else None
    code_owner = {row[2 + code_at]: row[1] for row in existing if row[2 + code_at]} if code_at is not None else {}
    id_title = parsed.title("id_number")

    creates: list[ParsedRow] = []
    updates: list[tuple[int, ParsedRow]] = []
    seen = 0
    for row in parsed.rows:
        owner = id_owner.get(row.values[id_at])
        if owner is not None and owner != row.student_no:
            report.errors.append(MESSAGES.error(row.row, id_title, "id_number_taken", no=owner))
            continue
        if code_at is not None and row.values[code_at]:
            owner = code_owner.get(row.values[code_at])
            if owner is not None and owner != row.student_no:
                report.errors.append(
                    MESSAGES.error(row.row, parsed.title("collection_code"), "collection_code_taken", no=owner)
                )
                continue
        current = by_no.get(row.student_no)
        if current is None:
            creates.append(row)
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(_preview(parsed, row, "create"))
            continue
        seen += 1
        pk, old = current
        if old == row.values:
            report.unchanged += 1
        else:
            updates.append((pk, row))
            moved = moved or any(old[i] != row.values[i] for i in slot_at)
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(_preview(parsed, row, "update", old))
    report.created = len(creates)
    report.updated = len(updates)
    report.not_in_file = len(by_no) - seen
    if report.not_in_file and not report.errors:
        report.warnings.append(MESSAGES.error(None, None, "not_in_file", n=report.not_in_file))
    return creates, updates, moved


def _write(
    parsed: ParsedRoster, campaign: Campaign, creates: list[ParsedRow], updates: list[tuple[int, ParsedRow]]
) -> None:
    fields = parsed.fields
    # The campaign's level stands in for a missing 层次 column, so a graduate campaign's students are graduates.
    extra: dict[str, Any] = {} if "level" in fields else {"level": campaign.level or Level.UNDERGRADUATE}
    if creates:
        _insert_rows(campaign, fields, creates, extra)
    now = timezone.now()
    for start in range(0, len(updates), _batch_size(len(fields) + 1)):
        _update_rows(fields, updates[start : start + _batch_size(len(fields) + 1)], now)


def _batch_size(params_per_row: int) -> int:
    # SQLite allows 999 parameters per statement; PostgreSQL has no practical limit at this size.
    limit = connection.features.max_query_params or 1_000_000
    return max(1, min(WRITE_BATCH, limit // params_per_row - 1))


# Values COPY's text format can carry as str(value); anything else (a JSON adapter, say) goes through INSERT.
_COPYABLE = (str, int, float, bool, decimal.Decimal, datetime.date, datetime.time, uuid.UUID)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# Slot columns each new student is written with, derived as refresh_slot_assignments derives them.
_SLOT_FIELDS = ("derived_slot_id", "assigned_slot_id", "slot_status")


def _slot_values(
    campaign: Campaign, fields: list[str], rows: list[ParsedRow], extra: dict[str, Any]
) -> list[tuple[int | None, int | None, str]]:
    """Per row (derived slot, assigned slot, status): computed once per (college, campus, level)."""
    audiences = campaign_audiences(campaign)
    college_at = fields.index("college_id")
    campus_at = fields.index("campus_id") if "campus_id" in fields else None
    level_at = fields.index("level") if "level" in fields else None
    by_kind: dict[tuple[Any, Any, Any], tuple[int | None, int | None, str]] = {}
    out: list[tuple[int | None, int | None, str]] = []
    for row in rows:
        values = row.values
        kind = (
            values[college_at],
            values[campus_at] if campus_at is not None else None,
            values[level_at] if level_at is not None else extra["level"],
        )
        slot = by_kind.get(kind)
        if slot is None:
            derived, status = derived_slot(audiences, college_id=kind[0], campus_id=kind[1], level=kind[2])
            slot = by_kind[kind] = (derived, derived, str(status))
        out.append(slot)
    return out


def _insert_rows(campaign: Campaign, fields: list[str], rows: list[ParsedRow], extra: dict[str, Any]) -> None:
    """New students: COPY on PostgreSQL, multi-row INSERTs elsewhere, their slot already derived.

    bulk_create() spends about a second of Python per 20,000 students preparing each field
    of each object. Here only the file's columns and the slot vary per row; every other column
    (timestamps, defaults of fields added later) is prepared once from a template student
    exactly as bulk_create would prepare it. Deriving the slot here spares the import the
    refresh_slot_assignments() pass over the campaign (one UPDATE per kind of student).
    """
    slots = _slot_values(campaign, fields, rows, extra)
    records: list[Record] = [(r.student_no, *r.values, *slot) for r, slot in zip(rows, slots, strict=True)]
    template = Student(campaign_id=campaign.pk, **extra)
    varying = ["student_no", *fields, *_SLOT_FIELDS]
    constant: list[tuple[str, Any]] = []
    for field in Student._meta.concrete_fields:
        if field.primary_key or field.attname in varying:
            continue
        value = field.get_db_prep_save(field.pre_save(template, add=True), connection)
        if hasattr(value, "resolve_expression"):
            # A database-side default cannot be sent as a parameter; let the ORM handle such a schema.
            for start in range(0, len(records), WRITE_BATCH):
                Student.objects.bulk_create(
                    [
                        Student(campaign_id=campaign.pk, **dict(zip(varying, record, strict=True)), **extra)
                        for record in records[start : start + WRITE_BATCH]
                    ]
                )
            return
        constant.append((str(field.column), value))
    columns = [_column(f) for f in varying] + [c for c, _v in constant]
    constant_values = [v for _c, v in constant]
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and raw is not None and hasattr(raw, "copy_expert"):
            if all(v is None or isinstance(v, _COPYABLE) for v in constant_values):
                _copy_rows(raw, columns, records, constant_values)
                return
        _insert_batches(cursor, columns, records, constant_values)


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    text = value if value.__class__ is str else str(value)
    # isprintable() is False for tab, newline and carriage return: the one C-speed test for the common case.
    if text.isprintable() and "\\" not in text:
        return text
    return text.translate(_COPY_ESCAPES)


def _copy_line(record: Record, tail: str) -> str:
    """One COPY line: _copy_text of each value, with one escape test per row instead of per value."""
    texts = ["\\N" if v is None else v if v.__class__ is str else str(v) for v in record]
    probe = "".join(texts)
    # Tabs and line breaks are not printable; the only backslashes allowed are those of the \N markers.
    if not probe.isprintable() or probe.count("\\") != record.count(None):
        texts = [_copy_text(v) for v in record]
    texts.append(tail)
    return "\t".join(texts)


class _CopySource:
    """The COPY data as a file psycopg2 reads from: each read() builds the next lines on demand.

    One COPY for the whole roster, streamed: PostgreSQL parses and indexes one chunk while the
    next is built here, and no list of 20,000 lines nor their joined copy is held in memory.
    """

    def __init__(self, records: list[Record], tail: str):
        self._lines = (_copy_line(record, tail) for record in records)

    def read(self, size: int = -1) -> str:
        chunk: list[str] = []
        length = 0
        for line in self._lines:
            chunk.append(line)
            length += len(line) + 1
            if 0 <= size <= length:
                break
        return "\n".join(chunk) + "\n" if chunk else ""  # "" ends the COPY


def _copy_rows(raw_cursor: _RawCursor, columns: list[str], records: list[Record], constant_values: list[Any]) -> None:
    """COPY ... FROM STDIN (text format): about twice as fast as INSERT for 20,000 students."""
    tail = "\t".join(_copy_text(v) for v in constant_values)
    quote = connection.ops.quote_name
    sql = f"COPY {quote(Student._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # The raw cursor skips Django's wrapper; this turns a unique violation into django.db.IntegrityError.
    with connection.wrap_database_errors:
        raw_cursor.copy_expert(sql, _CopySource(records, tail), size=COPY_CHUNK)


def _insert_batches(cursor: _Cursor, columns: list[str], records: list[Record], constant_values: list[Any]) -> None:
    quote = connection.ops.quote_name
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    table = quote(Student._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    size = _batch_size(len(columns))
    for start in range(0, len(records), size):
        batch = records[start : start + size]
        params: list[Any] = []
        for record in batch:
            params.extend(record)
            params.extend(constant_values)
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholder] * len(batch))}", params)


def _update_rows(fields: list[str], updates: list[tuple[int, ParsedRow]], now: datetime.datetime) -> None:
    """UPDATE ... FROM (VALUES ...): one statement per batch.

    QuerySet.bulk_update() writes a CASE with one WHEN per row for every column, which
    PostgreSQL evaluates row by row: 20,000 changed students took 40 s that way and take
    about a second this way. The values are already what the columns hold (str, int, None),
    and UPDATE ... FROM works on PostgreSQL and on SQLite >= 3.33.
    """
    meta = Student._meta
    quote = connection.ops.quote_name
    columns = [_column(f) for f in fields]
    types = [str(meta.get_field(f).db_type(connection)) for f in fields]
    assert meta.pk is not None
    pk = str(meta.pk.column)
    placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    assignments = ", ".join(
        f"{quote(column)} = CAST(v.{quote(column)} AS {db_type})"
        for column, db_type in zip(columns, types, strict=True)
    )
    names = ", ".join(quote(c) for c in [pk, *columns])
    sql = (
        f"WITH v ({names}) AS (VALUES {', '.join([placeholder] * len(updates))}) "
        f"UPDATE {quote(meta.db_table)} SET {assignments}, {quote('updated_at')} = %s "
        f"FROM v WHERE {quote(meta.db_table)}.{quote(pk)} = CAST(v.{quote(pk)} AS {meta.pk.db_type(connection)})"
    )
    params: list[Any] = []
    for pk_value, row in updates:
        params.append(pk_value)
        params.extend(row.values)
    params.append(connection.ops.adapt_datetimefield_value(now))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _display(parsed: ParsedRoster, field: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field == "college_id":
        return parsed.colleges.display.get(value, "") if parsed.colleges else str(value)
    if field == "campus_id":
        return parsed.campuses.display.get(value, "") if parsed.campuses else str(value)
    if field == "counselor_id":
        return parsed.counselors.display.get(value, "") if parsed.counselors else str(value)
    if field == "level":
        return str(value)  # the code: Change shows it by its name
    if field == "id_number":
        return mask_id_number(value)
    if field == "collection_code_hash":
        return f"#{value[:8]}"  # a fingerprint of the keyed hash: enough to see that it changed
    return str(value)


def _preview(parsed: ParsedRoster, row: ParsedRow, action: str, old: Record | None = None) -> PreviewRow:
    fields = parsed.fields
    values = dict(zip(fields, row.values, strict=True))
    changes: tuple[Change, ...] = ()
    if old is not None:
        changes = tuple(
            Change(f, _display(parsed, f, before), _display(parsed, f, after))
            for f, before, after in zip(fields, old, row.values, strict=True)
            if before != after
        )
    return PreviewRow(
        row=row.row,
        action=action,
        student_no=row.student_no,
        name=values["name"],
        college=_display(parsed, "college_id", values["college_id"]),
        masked_id=mask_id_number(values["id_number"]),
        changes=changes,
    )
