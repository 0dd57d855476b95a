"""Loading CHSI's own status export: who has confirmed their photo and data on 学信网.

The file is an .xlsx with 学号 or 身份证号 and a status column (header variants accepted,
a title row above the header is fine). All or nothing: any bad row rejects the whole
file with every bad row listed as "第 N 行，X 列：原因". Rows that match no captured
student of the campaign are listed but do not block the others. CHSI is the source of
truth: its "confirmed" marks a student verified, its "not confirmed" clears an earlier
confirmation (the student's own claim included), so reminders resume.
"""

import dataclasses
import datetime
import unicodedata
import zipfile
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from sessions_app.idcard import InvalidIdNumber, mask_id_number, validate_id_number
from sessions_app.models import Campaign, Student

from .models import ConfirmationSource, VerificationRecord

HEADERS = {
    "student_no": {"学号", "学生学号", "学籍号", "学生编号"},
    "id_number": {"身份证号", "身份证号码", "身份证件号", "证件号码", "证件号", "身份证"},
    "status": {
        "校对状态",
        "确认状态",
        "核对状态",
        "图像校对状态",
        "图像确认状态",
        "图像信息确认状态",
        "照片确认状态",
        "状态",
        "是否确认",
        "是否校对",
        "是否已确认",
        "校对结果",
        "确认结果",
    },
}
CONFIRMED = {"已确认", "已校对", "已核对", "确认", "已完成", "是", "Y", "YES", "TRUE", "1", "已确认无误"}
NOT_CONFIRMED = {"未确认", "未校对", "未核对", "待确认", "待校对", "未完成", "否", "N", "NO", "FALSE", "0"}
HEADER_SEARCH_ROWS = 10
MAX_ERRORS_SHOWN = 200


class ChsiFileError(Exception):
    """The file as a whole cannot be used; the message is for the user."""


@dataclasses.dataclass
class StatusRow:
    line: int
    student_no: str
    id_number: str
    confirmed: bool
    status_text: str


@dataclasses.dataclass
class ImportPlan:
    rows: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    unmatched: list[str] = dataclasses.field(default_factory=list)
    to_confirm: list[int] = dataclasses.field(default_factory=list)  # record ids
    to_unconfirm: list[int] = dataclasses.field(default_factory=list)
    unchanged: int = 0
    status_text: dict[int, str] = dataclasses.field(default_factory=dict)  # record id -> CHSI's words

    @property
    def ok(self) -> bool:
        return not self.errors


def _chunks(items: list, size: int = 5000):
    # Bounded IN lists: SQLite caps the number of bound parameters per statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _read_rows(source: IO[bytes] | str):
    from openpyxl import load_workbook

    max_bytes = settings.ROSTER_UPLOAD_MAX_BYTES
    try:
        if hasattr(source, "seek"):
            source.seek(0)
            head = source.read(8)
            source.seek(0)
        else:
            with open(source, "rb") as fh:
                head = fh.read(8)
    except FileNotFoundError:
        raise ChsiFileError(_("找不到文件：%(path)s") % {"path": source}) from None
    if not head.startswith(b"PK"):
        raise ChsiFileError(_("这不是 .xlsx 文件：请把学信网导出的状态表在 Excel 或 WPS 中另存为 .xlsx 后再导入"))
    try:
        with zipfile.ZipFile(source) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ChsiFileError(_("文件已损坏，无法作为 .xlsx 打开：请重新导出后再试")) from None
    if inflated > 10 * max_bytes:
        raise ChsiFileError(_("文件解压后过大，不像是一份状态表：请只保留状态所在的工作表"))
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        rows = list(sheet.iter_rows(values_only=True))
        workbook.close()
    except Exception:  # openpyxl raises many types on corrupt files; all mean "unreadable"
        raise ChsiFileError(_("文件内容无法读取（可能已损坏）：请重新另存为 .xlsx 后再试")) from None
    return rows


def _find_header(rows) -> tuple[int, dict[str, int], dict[str, str]]:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        for position, cell in enumerate(row or ()):
            title = _norm(cell).replace("*", "")
            for field, names in HEADERS.items():
                if title in names and field not in columns:
                    columns[field], titles[field] = position, title
        if "status" in columns and ("student_no" in columns or "id_number" in columns):
            return index, columns, titles
    raise ChsiFileError(
        _("没有找到表头：前 %(n)s 行中需要有“学号”或“身份证号”列，以及“校对状态”（或“确认状态”“状态”）列")
        % {"n": HEADER_SEARCH_ROWS}
    )


def parse_status_file(source) -> tuple[list[StatusRow], list[str]]:
    rows = _read_rows(source)
    header_index, columns, titles = _find_header(rows)
    parsed: list[StatusRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for index in range(header_index + 1, len(rows)):
        row = rows[index] or ()
        line = index + 1

        def cell(field, row=row):
            position = columns.get(field)
            return row[position] if position is not None and position < len(row) else None

        if not any(_norm(v) for v in row):
            continue
        student_no = _norm(cell("student_no"))
        raw_id = cell("id_number")
        id_number = ""
        if _norm(raw_id):
            try:
                id_number = validate_id_number(raw_id)
            except InvalidIdNumber as exc:
                errors.append(
                    _("第 %(line)s 行，%(col)s 列：%(why)s") % {"line": line, "col": titles["id_number"], "why": exc}
                )
                continue
        if not student_no and not id_number:
            column = titles.get("student_no") or titles.get("id_number")
            errors.append(_("第 %(line)s 行，%(col)s 列：学号和身份证号都为空") % {"line": line, "col": column})
            continue
        status_text = _norm(cell("status"))
        if status_text.upper() in CONFIRMED:
            confirmed = True
        elif status_text.upper() in NOT_CONFIRMED or not status_text:
            confirmed = False
        else:
            errors.append(
                _("第 %(line)s 行，%(col)s 列：无法识别的状态“%(value)s”，应为“已确认”或“未确认”")
                % {"line": line, "col": titles["status"], "value": status_text[:20]}
            )
            continue
        key = student_no or id_number
        if key in seen:
            errors.append(
                _("第 %(line)s 行，%(col)s 列：与第 %(first)s 行重复")
                % {"line": line, "col": titles.get("student_no") or titles["id_number"], "first": seen[key]}
            )
            continue
        seen[key] = line
        parsed.append(StatusRow(line, student_no, id_number, confirmed, status_text or _("未确认")))
    if not parsed and not errors:
        errors.append(_("表头下面没有数据行"))
    return parsed, errors


def plan_import(*, source, campaign: Campaign) -> ImportPlan:
    """Read and match the file without writing anything (the preview)."""
    rows, errors = parse_status_file(source)
    plan = ImportPlan(rows=len(rows), errors=errors[:MAX_ERRORS_SHOWN])
    if len(errors) > MAX_ERRORS_SHOWN:
        plan.errors.append(_("……另有 %(n)s 行错误未列出") % {"n": len(errors) - MAX_ERRORS_SHOWN})
    students = Student.objects.filter(campaign=campaign)
    by_no: dict[str, int] = {}
    by_id: dict[str, int] = {}
    for chunk in _chunks([r.student_no for r in rows if r.student_no]):
        by_no.update(students.filter(student_no__in=chunk).values_list("student_no", "id"))
    for chunk in _chunks([r.id_number for r in rows if r.id_number]):
        by_id.update(students.filter(id_number__in=chunk).values_list("id_number", "id"))
    records: dict[int, VerificationRecord] = {}
    for chunk in _chunks(list({*by_no.values(), *by_id.values()})):
        for record in VerificationRecord.objects.filter(campaign=campaign, is_active=True, student_id__in=chunk).only(
            "id", "student_id", "confirmed_at"
        ):
            records[record.student_id] = record
    matched_records: set[int] = set()
    for row in rows:
        label = row.student_no or mask_id_number(row.id_number)
        student_id = by_no.get(row.student_no) if row.student_no else by_id.get(row.id_number)
        if student_id is None and row.student_no and row.id_number:
            student_id = by_id.get(row.id_number)
        if student_id is None:
            plan.unmatched.append(_("第 %(line)s 行：%(who)s 不在本批次名单中") % {"line": row.line, "who": label})
            continue
        record = records.get(student_id)
        if record is None:
            plan.unmatched.append(_("第 %(line)s 行：%(who)s 没有有效的采集记录") % {"line": row.line, "who": label})
            continue
        if record.pk in matched_records:
            plan.errors.append(_("第 %(line)s 行：与前面某行是同一名学生") % {"line": row.line})
            continue
        matched_records.add(record.pk)
        plan.status_text[record.pk] = row.status_text[:32]
        if row.confirmed and record.confirmed_at is None:
            plan.to_confirm.append(record.pk)
        elif not row.confirmed and record.confirmed_at is not None:
            plan.to_unconfirm.append(record.pk)
        else:
            plan.unchanged += 1
    return plan


def apply_import(
    *, source, campaign: Campaign, actor, now: datetime.datetime | None = None, file_name: str = ""
) -> ImportPlan:
    """All or nothing: returns the plan; writes only when it has no errors."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = plan_import(source=source, campaign=campaign)
        if not plan.ok:
            return plan
        records = VerificationRecord.objects.all()
        for chunk in _chunks(plan.to_confirm):
            records.filter(pk__in=chunk).update(
                confirmed_at=now, confirmed_by=None, confirmation_source=ConfirmationSource.CHSI_IMPORT, updated_at=now
            )
        for chunk in _chunks(plan.to_unconfirm):
            records.filter(pk__in=chunk).update(
                confirmed_at=None, confirmed_by=None, confirmation_source="", updated_at=now
            )
        by_text: dict[str, list[int]] = {}
        for record_id, text in plan.status_text.items():
            by_text.setdefault(text, []).append(record_id)
        # A handful of distinct status words, so a handful of UPDATEs per chunk.
        for text, ids in by_text.items():
            for chunk in _chunks(ids):
                records.filter(pk__in=chunk).update(chsi_status=text, chsi_status_at=now)
        record_event(
            actor=actor,
            action="verification.chsi_import",
            campaign=campaign,
            data={
                "file": file_name,
                "confirmed": len(plan.to_confirm),
                "unconfirmed": len(plan.to_unconfirm),
                "unchanged": plan.unchanged,
                "unmatched": len(plan.unmatched),
            },
        )
    return plan
