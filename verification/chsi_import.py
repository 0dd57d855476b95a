"""Loading CHSI's own status export: who has confirmed their photo and data on 学信网.

Any file the shared intake reads (.xls as CHSI asks schools for, .xlsx, CSV, HTML tables),
with 学号 or 身份证号 and a status column. All or nothing: any bad row rejects the whole file
with every bad row listed. CHSI is the source of truth, in its own words and in the words
schools use for it:

- 正确 / 已确认 / 已校对: the student confirmed; the record is marked verified;
- 未校对 / 未确认: not (or no longer) confirmed, so reminders resume;
- 信息有误: the student told CHSI their data (or photo) is wrong. That is not "not confirmed":
  it opens a problem report (本人学籍信息有误, or 张冠李戴 when the file says the photo is
  someone else's) that goes to the coordinators like one the student filed.

Rows that match no captured student of the campaign are listed with what will happen to them
(nothing: they are not imported) and do not block the others.
"""

import dataclasses
import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from intake import Field, IntakeError, Limits, RowError, Vocabulary, open_table
from intake.errors import sorted_errors
from intake.text import plain
from sessions_app.idcard import InvalidIdNumber, mask_id_number, validate_id_number
from sessions_app.models import Campaign, Student

from .import_messages import MESSAGES
from .models import ConfirmationSource, ProblemReport, ProblemType, ReportStatus, VerificationRecord

VOCABULARY = Vocabulary(
    fields=(
        Field("student_no", "学号", ("学生学号", "学籍号", "学生编号", "xh"), example="2017001001"),
        Field(
            "id_number",
            "身份证号",
            ("身份证号码", "身份证件号", "证件号码", "证件号", "身份证", "sfzh", "zjhm"),
            example="11010519491231002X",
        ),
        Field("name", "姓名", ("xm", "学生姓名")),
        Field(
            "status",
            "校对状态",
            (
                "确认状态",
                "核对状态",
                "图像校对状态",
                "图像确认状态",
                "图像信息确认状态",
                "照片确认状态",
                "图像校对结果",
                "状态",
                "是否确认",
                "是否校对",
                "是否已确认",
                "校对结果",
                "校对结论",
                "图像校对",
                "确认结果",
                "jdzt",
                "qrzt",
            ),
            True,
            "正确",
        ),
        Field("detail", "问题说明", ("错误说明", "有误说明", "错误信息", "备注", "说明", "原因")),
    ),
    one_of=(("student_no", "id_number"),),
)
CONFIRMED = {
    "正确",
    "已确认",
    "已校对",
    "已核对",
    "确认",
    "已完成",
    "是",
    "Y",
    "YES",
    "TRUE",
    "1",
    "已确认无误",
    "无误",
}
NOT_CONFIRMED = {"未确认", "未校对", "未核对", "待确认", "待校对", "未完成", "否", "N", "NO", "FALSE", "0"}
WRONG_DATA = {"信息有误", "有误", "学籍信息有误", "信息错误", "数据有误", "错误"}
WRONG_PHOTO = {"照片有误", "图像有误", "张冠李戴", "照片不是本人", "图像不是本人"}
MAX_ERRORS_SHOWN = 200


def accepted_spellings() -> list[tuple[str, list[str]]]:
    """What each status may be written as, for the import page (so the page says what the
    reader reads, not a summary of it)."""
    return [
        (_("已确认"), sorted(CONFIRMED)),
        (_("未确认（恢复提醒）"), sorted(NOT_CONFIRMED)),
        (_("信息有误（登记“本人学籍信息有误”反馈）"), sorted(WRONG_DATA)),
        (_("照片不是本人（登记“张冠李戴”反馈）"), sorted(WRONG_PHOTO)),
    ]


def status_headers() -> list[str]:
    status = next(field for field in VOCABULARY.fields if field.key == "status")
    return [status.label, *(name for name in status.variants if not name.isascii())]


# The file-level refusal callers catch: code + params, like every intake error (words built when shown).
ChsiFileError = IntakeError

CONFIRM, UNCONFIRM, WRONG = "confirm", "unconfirm", "wrong"


@dataclasses.dataclass
class StatusRow:
    line: int
    student_no: str
    id_number: str
    verdict: str  # CONFIRM, UNCONFIRM or WRONG
    status_text: str
    problem_type: str = ""
    detail: str = ""

    @property
    def confirmed(self) -> bool:
        return self.verdict == CONFIRM


@dataclasses.dataclass
class ImportPlan:
    rows: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)
    unmatched: list[RowError] = dataclasses.field(default_factory=list)
    to_confirm: list[int] = dataclasses.field(default_factory=list)  # record ids
    to_unconfirm: list[int] = dataclasses.field(default_factory=list)
    # (record id, student id, problem type, description): problem reports to open
    to_report: list[tuple[int, int, str, str]] = dataclasses.field(default_factory=list)
    already_reported: int = 0
    unchanged: int = 0
    status_text: dict[int, str] = dataclasses.field(default_factory=dict)  # record id -> CHSI's words
    notices: list = dataclasses.field(default_factory=list)
    table: object = None

    @property
    def ok(self) -> bool:
        return not self.errors


def limits() -> Limits:
    return Limits(max_bytes=settings.ROSTER_UPLOAD_MAX_BYTES)


def _chunks(items: list, size: int = 5000):
    # Bounded IN lists: SQLite caps the number of bound parameters per statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _verdict(text: str) -> tuple[str, str] | None:
    key = text.upper()
    if key in CONFIRMED:
        return CONFIRM, ""
    if key in NOT_CONFIRMED or not text:
        return UNCONFIRM, ""
    if text in WRONG_PHOTO:
        return WRONG, ProblemType.WRONG_PHOTO
    if text in WRONG_DATA:
        return WRONG, ProblemType.WRONG_DATA
    return None


def status_shows_photo(text: str) -> bool:
    """Whether CHSI's status word means it holds a photo of the student.

    The status export has no "has photo" column. A student CHSI lists as confirmed (正确) or as
    reporting wrong data or a wrong photo (信息有误) has looked at a photo on 学信网, so one exists;
    未校对 says nothing either way.
    """
    verdict = _verdict(text or "")
    return verdict is not None and verdict[0] in (CONFIRM, WRONG)


def _row(table, line: int, cells: list) -> tuple[StatusRow | None, RowError | None]:
    def error(key: str, code: str, **params) -> RowError:
        return MESSAGES.error(line, table.title(key, VOCABULARY), code, **params)

    student_no = plain(table.cell(cells, "student_no"))
    raw_id = table.cell(cells, "id_number")
    id_number = ""
    if plain(raw_id):
        try:
            id_number = validate_id_number(raw_id)
        except InvalidIdNumber as exc:
            return None, error("id_number", "id_number_invalid", reason=exc.code, **exc.params)
    if not student_no and not id_number:
        key = "student_no" if table.has("student_no") else "id_number"
        return None, error(key, "student_missing")
    status_text = plain(table.cell(cells, "status"))
    verdict = _verdict(status_text)
    if verdict is None:
        return None, error("status", "status_unknown", value=status_text[:20])
    detail = str(table.cell(cells, "detail") or "").strip()[:1000]
    return StatusRow(line, student_no, id_number, verdict[0], status_text or _("未确认"), verdict[1], detail), None


def parse_status_file(source, *, filename: str = "", progress=None) -> tuple[list[StatusRow], list[RowError], object]:
    table = open_table(source, vocabulary=VOCABULARY, filename=filename, limits=limits())
    parsed: list[StatusRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for done, (line, cells) in enumerate(table.rows, start=1):
        if progress is not None and done % 2000 == 0:
            progress(done, len(table.rows))
        row, error = _row(table, line, cells)
        if error is not None:
            errors.append(error)
            continue
        key = row.student_no or row.id_number
        if key in seen:
            column = table.title("student_no" if row.student_no else "id_number", VOCABULARY)
            errors.append(MESSAGES.error(line, column, "row_duplicate", first=seen[key]))
            continue
        seen[key] = line
        parsed.append(row)
    if not parsed and not errors:
        errors.append(MESSAGES.error(None, None, "no_rows"))
    return parsed, errors, table


def _match(rows: list[StatusRow], campaign: Campaign) -> tuple[dict, dict, dict]:
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
    return by_no, by_id, records


def _open_reports(student_ids: list[int]) -> set[tuple[int, str]]:
    open_reports: set[tuple[int, str]] = set()
    for chunk in _chunks(student_ids):
        open_reports.update(
            ProblemReport.objects.filter(student_id__in=chunk)
            .exclude(status=ReportStatus.RESOLVED)
            .values_list("student_id", "problem_type")
        )
    return open_reports


def plan_import(*, source, campaign: Campaign, filename: str = "", progress=None) -> ImportPlan:
    """Read and match the file without writing anything (the preview)."""
    rows, errors, table = parse_status_file(source, filename=filename, progress=progress)
    plan = ImportPlan(rows=len(rows), errors=sorted_errors(errors), notices=list(table.notices), table=table)
    by_no, by_id, records = _match(rows, campaign)
    wrong_students = [records[s].student_id for s in records]
    open_reports = _open_reports(wrong_students) if any(r.verdict == WRONG for r in rows) else set()
    matched_records: set[int] = set()
    for row in rows:
        label = row.student_no or mask_id_number(row.id_number)
        student_id = by_no.get(row.student_no) if row.student_no else by_id.get(row.id_number)
        if student_id is None and row.student_no and row.id_number:
            student_id = by_id.get(row.id_number)
        if student_id is None:
            plan.unmatched.append(MESSAGES.error(row.line, None, "student_unknown", who=label))
            continue
        record = records.get(student_id)
        if record is None:
            plan.unmatched.append(MESSAGES.error(row.line, None, "not_captured", who=label))
            continue
        if record.pk in matched_records:
            plan.errors.append(MESSAGES.error(row.line, None, "student_repeated"))
            continue
        matched_records.add(record.pk)
        plan.status_text[record.pk] = row.status_text[:32]
        _decide(plan, row, record, student_id, open_reports)
    plan.errors = sorted_errors(plan.errors)
    return plan


def _decide(plan: ImportPlan, row: StatusRow, record, student_id: int, open_reports) -> None:
    if row.verdict == WRONG:
        # Wrong data is not a confirmation: an earlier one is withdrawn, and a report opened once.
        if record.confirmed_at is not None:
            plan.to_unconfirm.append(record.pk)
        if (student_id, row.problem_type) in open_reports:
            plan.already_reported += 1
        else:
            plan.to_report.append((record.pk, student_id, row.problem_type, row.detail))
        return
    if row.confirmed and record.confirmed_at is None:
        plan.to_confirm.append(record.pk)
    elif not row.confirmed and record.confirmed_at is not None:
        plan.to_unconfirm.append(record.pk)
    else:
        plan.unchanged += 1


def _open_problem_reports(plan: ImportPlan, actor) -> None:
    from .services import VerificationError, report_problem

    students = Student.objects.select_related("campaign", "college").in_bulk([s for _r, s, _t, _d in plan.to_report])
    for _record_id, student_id, problem_type, detail in plan.to_report:
        description = _("学信网校对状态为“信息有误”（由教务处导入学信网状态表时记录）")
        if detail:
            description += _("。学信网记录的说明：%(detail)s") % {"detail": detail}
        try:
            report_problem(
                student=students[student_id], problem_type=problem_type, description=description, actor=actor
            )
        except VerificationError:
            pass  # opened meanwhile by the student: one open report per problem is the rule


def apply_import(
    *, source, campaign: Campaign, actor, now: datetime.datetime | None = None, file_name: str = "", progress=None
) -> ImportPlan:
    """All or nothing: returns the plan; writes only when it has no errors."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = plan_import(source=source, campaign=campaign, filename=file_name, progress=progress)
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
                records.filter(pk__in=chunk).update(chsi_status=text, chsi_status_at=now, updated_at=now)
        _open_problem_reports(plan, actor)
        record_event(
            actor=actor,
            action="verification.chsi_import",
            campaign=campaign,
            data={
                "file": file_name,
                "confirmed": len(plan.to_confirm),
                "unconfirmed": len(plan.to_unconfirm),
                "reported": len(plan.to_report),
                "unchanged": plan.unchanged,
                "unmatched": len(plan.unmatched),
            },
        )
    return plan
