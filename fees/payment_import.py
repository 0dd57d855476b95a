"""Payments from a spreadsheet: all rows or none, every bad row listed.

Headers: 学号, 金额, 方式 (现金/微信/支付宝/银行转账/校园统一支付平台), 备注, optionally 日期.
Each row's idempotency key is the file's SHA-256 plus the row number, so uploading the same file
again posts nothing new.
"""

import datetime
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions_app.models import Campaign, Student
from sessions_app.scope import visible_students

from .models import ZERO, Method
from .services import FeeError, _Rollback, parse_amount, post_payment

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
REQUIRED = ("学号", "金额", "方式")
OPTIONAL = ("备注", "日期")

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
    errors: list[str] = field(default_factory=list)

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


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _row_error(number: int, column: str, reason: str) -> str:
    return _("第 %(row)s 行，%(column)s 列：%(reason)s") % {"row": number, "column": column, "reason": reason}


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
            raise ValueError(_("日期“%(value)s”无法识别，请写成 2020-11-20") % {"value": str(value)[:20]})
        if fmt == "%Y-%m-%d":
            moment = moment.replace(hour=12)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + datetime.timedelta(days=1):
        raise ValueError(_("日期 %(value)s 在未来") % {"value": moment.strftime("%Y-%m-%d")})
    return moment


def _read_rows(data: bytes) -> tuple[list[_Row], list[str], int]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
    except Exception:  # openpyxl raises many kinds on a file that is not a workbook
        raise FeeError(_("无法读取文件：请上传 Excel 的 .xlsx 文件（不支持 .xls 或 .csv）"), "file_unreadable")
    if not header:
        raise FeeError(_("文件是空的：第 1 行应是表头 学号、金额、方式、备注、日期"), "file_empty")
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        name = _text(name)
        if name in REQUIRED + OPTIONAL and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise FeeError(
            _("第 1 行缺少表头：%(missing)s（需要 学号、金额、方式，可选 备注、日期）")
            % {"missing": "、".join(missing)},
            "header_missing",
        )

    parsed: list[_Row] = []
    errors: list[str] = []
    count = 0
    for number, values in enumerate(rows, start=2):
        cells = {name: (values[index] if index < len(values) else None) for name, index in columns.items()}
        if all(v is None or _text(v) == "" for v in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FeeError(_("文件超过 %(max)s 行，请分批导入") % {"max": MAX_ROWS}, "too_many_rows")
        row_errors = []
        student_no = _text(cells["学号"])
        if not student_no:
            row_errors.append(_row_error(number, "学号", _("学号为空")))
        amount = None
        try:
            amount = parse_amount(cells["金额"])
        except FeeError as exc:
            row_errors.append(_row_error(number, "金额", exc.message))
        method = METHOD_NAMES.get(_text(cells["方式"]))
        if method is None:
            row_errors.append(
                _row_error(
                    number,
                    "方式",
                    _("“%(value)s”不是可用的方式，应为 现金、微信、支付宝、银行转账 或 校园统一支付平台")
                    % {"value": _text(cells["方式"])[:20]},
                )
            )
        note = str(cells.get("备注") or "").strip()
        if len(note) > 200:
            row_errors.append(_row_error(number, "备注", _("备注最多 200 字")))
        occurred_at = None
        if "日期" in cells and cells["日期"] not in (None, ""):
            try:
                occurred_at = _parse_date(cells["日期"])
            except ValueError as exc:
                row_errors.append(_row_error(number, "日期", str(exc)))
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(_Row(number, student_no, amount, method, note, occurred_at))
    return parsed, errors, count


def import_payments(*, campaign: Campaign, data: bytes, actor) -> ImportResult:
    """Check every row, then post them all in one transaction; any refusal posts nothing."""
    if len(data) > MAX_BYTES:
        raise FeeError(_("文件过大：不能超过 %(mb)s MB") % {"mb": MAX_BYTES // (1024 * 1024)}, "file_too_large")
    rows, errors, count = _read_rows(data)
    result = ImportResult(rows=count)
    numbers = {row.student_no for row in rows}
    students = {s.student_no: s for s in Student.objects.filter(campaign=campaign, student_no__in=numbers)}
    if actor is not None:
        visible = set(
            visible_students(actor, campaign).filter(student_no__in=numbers).values_list("student_no", flat=True)
        )
    else:
        visible = set(students)
    for row in rows:
        if row.student_no not in students:
            errors.append(_row_error(row.number, "学号", _("本批次名单中没有学号 %(no)s") % {"no": row.student_no}))
        elif row.student_no not in visible:
            errors.append(_row_error(row.number, "学号", _("学号 %(no)s 不属于你负责的学院") % {"no": row.student_no}))
    if errors:
        result.errors = sorted(errors, key=_row_number)
        return result
    if count == 0:
        raise FeeError(_("文件中没有缴费记录"), "no_rows")

    digest = hashlib.sha256(data).hexdigest()[:40]
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
                    errors.append(_row_error(row.number, "金额", exc.message))
                    continue
                if posted.created:
                    result.created += 1
                    result.total += posted.entry.amount
                else:
                    result.replayed += 1
            if errors:
                raise _Rollback
    except _Rollback:
        return ImportResult(rows=count, errors=errors)
    return result


def _row_number(message: str) -> int:
    digits = "".join(ch for ch in message.split("行", 1)[0] if ch.isdigit())
    return int(digits or 0)
