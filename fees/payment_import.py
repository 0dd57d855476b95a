"""Payments from a spreadsheet: all rows or none, every bad row listed.

Headers: 学号, 金额, 方式 (现金/微信/支付宝/银行转账/校园统一支付平台), 备注, optionally 日期, in any
format the shared intake reads (.xlsx, .xls, CSV, HTML tables). Each row's idempotency key is
the file's SHA-256 plus the row number, so uploading the same file again posts nothing new.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import Field, IntakeError, Limits, RowError, Vocabulary, open_table
from intake.errors import sorted_errors
from intake.table import read_bytes
from intake.text import plain
from sessions_app.models import Campaign, Student
from sessions_app.scope import visible_students

from .import_messages import MESSAGES, payment_error
from .models import ZERO, Method
from .services import FeeError, _Rollback, check_poster_role, parse_amount, post_payment

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
LIMITS = Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 100)
VOCABULARY = Vocabulary(
    fields=(
        Field("student_no", "学号", ("学生学号", "xh"), True, "2017001001"),
        Field("amount", "金额", ("缴费金额", "实收金额", "金额(元)", "je", "jfje"), True, "17.00"),
        Field("method", "方式", ("缴费方式", "支付方式", "付款方式", "jffs"), True, "现金"),
        Field("note", "备注", ("说明", "bz")),
        Field("date", "日期", ("缴费日期", "缴费时间", "支付时间", "jfrq")),
    )
)

METHOD_NAMES = {
    "现金": Method.CASH,
    "微信": Method.WECHAT,
    "微信支付": Method.WECHAT,
    "支付宝": Method.ALIPAY,
    "银行转账": Method.BANK_TRANSFER,
    "转账": Method.BANK_TRANSFER,
    "银行卡": Method.BANK_TRANSFER,
    "校园统一支付平台": Method.CAMPUS_PLATFORM,
    "统一支付平台": Method.CAMPUS_PLATFORM,
    "校园支付平台": Method.CAMPUS_PLATFORM,
}
METHOD_NAMES.update({value: value for value in Method.values})


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    replayed: int = 0
    total: Decimal = ZERO
    errors: list[RowError] = field(default_factory=list)
    notices: list = field(default_factory=list)
    table: object = None  # the intake Table, for the error workbook

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    student_no: str
    amount: Decimal
    method: str
    note: str
    occurred_at: datetime.datetime | None


def payment_template() -> bytes:
    from intake.workbooks import template_workbook

    return template_workbook(
        VOCABULARY,
        title=_("缴费记录"),
        notes=[_("方式填写：现金、微信、支付宝、银行转账；金额用小数点，如 17.00")],
    )


def _text(value) -> str:
    return plain(value)


class _BadDate(ValueError):
    def __init__(self, code: str, value: str):
        super().__init__(code)
        self.code = code
        self.value = value


def _parse_date(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(12, 0))
    else:
        text = _text(value).replace("/", "-").replace(".", "-")
        moment = None
        for fmt in ("%Y-%m-%d", "%Y-%m-%d%H:%M", "%Y-%m-%d%H:%M:%S", "%Y年%m月%d日"):
            try:
                moment = datetime.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            raise _BadDate("date_unknown", str(value)[:20])
        if fmt == "%Y-%m-%d":
            moment = moment.replace(hour=12)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + datetime.timedelta(days=1):
        raise _BadDate("date_future", moment.strftime("%Y-%m-%d"))
    return moment


def _check_row(table, number: int, cells: list) -> tuple[_Row | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(key: str, code: str, **params) -> None:
        errors.append(MESSAGES.error(number, table.title(key, VOCABULARY), code, **params))

    student_no = _text(table.cell(cells, "student_no"))
    if not student_no:
        bad("student_no", "student_no_empty")
    amount = None
    try:
        amount = parse_amount(table.cell(cells, "amount"))
    except FeeError as exc:
        errors.append(payment_error(number, table.title("amount", VOCABULARY), exc))
    method_text = _text(table.cell(cells, "method"))
    method = METHOD_NAMES.get(method_text)
    if method is None:
        bad("method", "method_unknown", value=method_text[:20])
    note = str(table.cell(cells, "note") or "").strip()
    if len(note) > 200:
        bad("note", "note_too_long")
    occurred_at = None
    raw_date = table.cell(cells, "date")
    if raw_date not in (None, ""):
        try:
            occurred_at = _parse_date(raw_date)
        except _BadDate as exc:
            bad("date", exc.code, value=exc.value)
    if errors:
        return None, errors
    return _Row(number, student_no, amount, method, note, occurred_at), errors


class PaymentFileError(FeeError):
    """The whole file refused: code + params (a background job keeps those), worded by the import's
    MESSAGES (the intake's refusals and the import's own)."""

    words = MESSAGES


def _file_error(code: str, **params) -> FeeError:
    return PaymentFileError.of(code, **params)


def _read_rows(data: bytes, filename: str = "", progress=None):
    try:
        table = open_table(data, vocabulary=VOCABULARY, filename=filename, limits=LIMITS)
    except IntakeError as exc:
        raise _file_error(exc.code, **exc.params) from None
    parsed: list[_Row] = []
    errors: list[RowError] = []
    if len(table.rows) > MAX_ROWS:
        raise _file_error("too_many_rows", max=MAX_ROWS)
    for done, (number, cells) in enumerate(table.rows, start=1):
        if progress is not None and done % 2000 == 0:
            progress(done, len(table.rows))
        row, row_errors = _check_row(table, number, cells)
        errors.extend(row_errors)
        if row is not None:
            parsed.append(row)
    return table, parsed, errors


def import_payments(
    *,
    campaign: Campaign,
    data: bytes | None = None,
    source=None,
    actor,
    filename: str = "",
    progress=None,
    dry_run: bool = False,
) -> ImportResult:
    """Check every row, then post them all in one transaction; any refusal posts nothing.

    data (bytes) or source (a path or file object, as a job passes it). progress, if given, is
    called as progress(done, total) while rows are checked. dry_run (the import's check, its
    preview) posts every row as the import would, so the fee rules refuse what they would
    refuse (an overpayment across rows), then rolls all of it back: the counts are the import's.
    """
    check_poster_role(actor)
    if data is None:
        try:
            data = read_bytes(source)
        except IntakeError as exc:
            raise _file_error(exc.code, **exc.params) from None
    if len(data) > MAX_BYTES:
        raise _file_error("file_too_large", size=len(data), limit=MAX_BYTES)
    table, rows, errors = _read_rows(data, filename, progress)
    count = len(rows) + len({e.row for e in errors})
    result = ImportResult(rows=count, notices=list(table.notices), table=table)
    numbers = {row.student_no for row in rows}
    students = {s.student_no: s for s in Student.objects.filter(campaign=campaign, student_no__in=numbers)}
    if actor is not None:
        visible = set(
            visible_students(actor, campaign).filter(student_no__in=numbers).values_list("student_no", flat=True)
        )
    else:
        visible = set(students)
    column = table.title("student_no", VOCABULARY)
    for row in rows:
        # One answer for "not on the roster" and "another college's": the import is no roster oracle.
        if row.student_no not in students or row.student_no not in visible:
            errors.append(MESSAGES.error(row.number, column, "student_unknown", no=row.student_no))
    if errors:
        result.errors = sorted_errors(errors)
        return result
    if count == 0:
        raise _file_error("no_rows")

    digest = hashlib.sha256(data).hexdigest()[:40]
    amount_column = table.title("amount", VOCABULARY)
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    posted = post_payment(
                        student=students[row.student_no],
                        amount=row.amount,
                        method=row.method,
                        actor=actor,
                        idempotency_key=f"import:{campaign.pk}:{digest}:{row.number}",
                        note=row.note,
                        occurred_at=row.occurred_at,
                    )
                except FeeError as exc:
                    errors.append(payment_error(row.number, amount_column, exc))
                    continue
                if posted.created:
                    result.created += 1
                    result.total += posted.entry.amount
                else:
                    result.replayed += 1
            if errors or dry_run:
                raise _Rollback
    except _Rollback:
        if not errors:
            return result  # the dry run's counts, nothing kept
        return ImportResult(rows=count, errors=sorted_errors(errors), table=table)
    return result
