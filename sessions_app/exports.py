"""The roster and attendance workbooks (openpyxl write-only, rows streamed from the database).

Each costs a fixed number of queries: students are read with values() through a
server-side iterator, the few slots are read once into a dict.
"""

from collections import defaultdict

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.registries import register
from core.spreadsheets import DataWorkbook
from sessions_app.scope import desk_groups, visible_students

from .idcard import mask_code, mask_id_number
from .models import SHOT_STATUS_LABELS, Campaign, Capture, CaptureGroup, Level, Shot, SlotStatus, Student
from .selectors import ACTIVE, slot_choices, slot_label
from .services import record_full_id_shown, shows_full_id

CHUNK = 2000
LEVELS = dict(Level.choices)
SLOT_STATUSES = dict(SlotStatus.choices)
METHODS = {"id_card": "身份证", "student_no": "学号", "collection_code": "采集码"}


def _students(campaign: Campaign, user):
    """Everything for the command line (user None), otherwise what the user may see."""
    if user is None:
        return Student.objects.filter(campaign=campaign)
    return visible_students(user, campaign)


def _shows_full_id(user) -> bool:
    # Staff who submit the whole number to CHSI hold the permission; everyone else works masked.
    return shows_full_id(user)


def _slot_labels(campaign: Campaign) -> dict[int, str]:
    return {slot.pk: slot_label(slot) for slot in slot_choices(campaign)}


def _local(value):
    # Excel has no time zones: write the Asia/Shanghai wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _header(ws, titles: list[str], widths: list[int]) -> None:
    ws.write_header(titles, widths=widths)


ROSTER_HEADERS = [
    "学号",
    "姓名",
    "性别",
    "身份证号",
    "学院",
    "专业",
    "班级",
    "层次",
    "校区",
    "手机号",
    "辅导员",
    "学信网采集码",
    "时段",
    "时段状态",
]


@register("roster", title=gettext_lazy("学生名单"), roles=("coordinator",), full_ids=_shows_full_id)
def roster(*, campaign: Campaign, user, stream) -> None:
    full_id = _shows_full_id(user)
    slots = _slot_labels(campaign)
    wb = DataWorkbook()
    count = 0
    ws = wb.create_sheet(_("学生名单"))
    _header(ws, [_(h) for h in ROSTER_HEADERS], [14, 10, 6, 22, 22, 22, 14, 8, 12, 14, 10, 18, 44, 12])
    for row in _roster_rows(_students(campaign, user)).iterator(chunk_size=CHUNK):
        count += 1
        ws.append(_roster_line(row, slots=slots, full_id=full_id))
    wb.save(stream)
    if full_id:
        record_full_id_shown(actor=user, campaign=campaign, where="export:roster", rows=count)


def _roster_rows(students):
    return students.order_by("college__sort_order", "college__name", "class_name", "student_no").values_list(
        "student_no",
        "name",
        "gender",
        "id_number",
        "college__name",
        "major",
        "class_name",
        "level",
        "campus__name",
        "phone",
        "counselor__display_name",
        "counselor__username",
        "collection_code_hash",
        "assigned_slot_id",
        "slot_status",
    )


def _roster_line(row: tuple, *, slots: dict, full_id: bool) -> list:
    (
        student_no,
        name,
        gender,
        id_number,
        college,
        major,
        class_name,
        level,
        campus,
        phone,
        counselor_name,
        counselor_username,
        code,
        slot_id,
        status,
    ) = row
    return [
        student_no,
        name,
        gender,
        id_number if full_id else mask_id_number(id_number),
        college,
        major,
        class_name,
        str(LEVELS.get(level, level)),
        campus or "",
        phone,
        counselor_name or counselor_username or "",
        # Only a keyed hash is held: whether the student has bound a code is all there is to say.
        _("已绑定") if code else "",
        slots.get(slot_id, ""),
        str(SLOT_STATUSES.get(status, status)),
    ]


ATTENDANCE_HEADERS = [
    "学号",
    "姓名",
    "学院",
    "班级",
    "层次",
    "应到时段",
    "是否采集",
    "采集时间",
    "采集时段",
    "非本人时段",
    "识别方式",
    "撤销次数",
    "最近撤销原因",
]
SUMMARY_HEADERS = ["学院", "应采集人数", "已采集人数", "未采集人数", "采集率", "其中非本人时段"]


@register("attendance", title=gettext_lazy("采集考勤"), roles=("coordinator",))
def attendance(*, campaign: Campaign, user, stream) -> None:
    slots = _slot_labels(campaign)
    wb = DataWorkbook()
    summary = wb.create_sheet(_("各学院汇总"))
    detail = wb.create_sheet(_("考勤明细"))
    _header(summary, [_(h) for h in SUMMARY_HEADERS], [24, 12, 12, 12, 10, 14])
    _header(detail, [_(h) for h in ATTENDANCE_HEADERS], [14, 10, 22, 14, 8, 44, 8, 20, 44, 10, 8, 8, 30])
    per_college = _attendance_detail(detail, _attendance_rows(_students(campaign, user)), slots)
    _attendance_summary(summary, per_college)
    wb.save(stream)


def _attendance_rows(students):
    """One tuple per student with their active capture and last undo, in one streamed query."""
    active = Capture.objects.filter(ACTIVE, student=OuterRef("pk"))
    undone = Capture.objects.filter(student=OuterRef("pk"), undone_at__isnull=False).order_by("-undone_at")
    return (
        students.annotate(
            cap_at=Subquery(active.values("captured_at")[:1]),
            cap_slot=Subquery(active.values("slot_id")[:1]),
            cap_wrong=Subquery(active.values("wrong_slot")[:1]),
            cap_method=Subquery(active.values("method")[:1]),
            undo_reason=Subquery(undone.values("undo_reason")[:1]),
            undo_count=Count("captures", filter=Q(captures__undone_at__isnull=False)),
        )
        .order_by("college__sort_order", "college__name", "class_name", "student_no")
        .values_list(
            "student_no",
            "name",
            "college__name",
            "class_name",
            "level",
            "assigned_slot_id",
            "cap_at",
            "cap_slot",
            "cap_wrong",
            "cap_method",
            "undo_count",
            "undo_reason",
        )
    )


def _attendance_detail(detail, rows, slots: dict) -> dict[str, list[int]]:
    """Write the detail sheet; returns [expected, captured, wrong slot] per college, in row order."""
    per_college: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    yes, no = _("是"), _("否")
    for (
        student_no,
        name,
        college,
        class_name,
        level,
        slot_id,
        cap_at,
        cap_slot,
        cap_wrong,
        cap_method,
        undo_count,
        undo_reason,
    ) in rows.iterator(chunk_size=CHUNK):
        captured = cap_at is not None
        figures = per_college[college]
        figures[0] += 1
        figures[1] += captured
        figures[2] += bool(captured and cap_wrong)
        detail.append(
            [
                student_no,
                name,
                college,
                class_name,
                str(LEVELS.get(level, level)),
                slots.get(slot_id, _("未安排")),
                yes if captured else no,
                detail.moment(_local(cap_at)),
                slots.get(cap_slot, "") if captured else "",
                (yes if cap_wrong else no) if captured else "",
                METHODS.get(cap_method or "", cap_method or ""),
                undo_count,
                undo_reason or "",
            ]
        )
    return per_college


def _attendance_summary(summary, per_college: dict[str, list[int]]) -> None:
    totals = [0, 0, 0]
    # Colleges arrive in sort order, and dicts keep insertion order.
    for college, (expected, captured, wrong) in per_college.items():
        summary.append(_summary_row(summary, college, expected, captured, wrong))
        totals = [totals[0] + expected, totals[1] + captured, totals[2] + wrong]
    summary.append(_summary_row(summary, _("合计"), *totals))


def _summary_row(ws, label: str, expected: int, captured: int, wrong: int) -> list:
    return [label, expected, captured, expected - captured, ws.percent(captured / expected if expected else 0), wrong]


# --- 拍摄号 ------------------------------------------------------------------

# Excel refuses these in a sheet's name, and a name is at most 31 characters.
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _shot_sheet_title(day, group_name: str, taken: set[str]) -> str:
    base = f"{day:%m-%d} {group_name}".translate(_SHEET_NAME_FORBIDDEN)[:31]
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[:28]}~{n}"
    taken.add(title)
    return title


def _shot_status(voided_at, void_code: str, undone_at) -> str:
    if voided_at is not None:
        return str(SHOT_STATUS_LABELS.get(void_code, void_code))
    return str(SHOT_STATUS_LABELS["undone" if undone_at is not None else "live"])


@register("shots", title=gettext_lazy("拍摄号对照表"), roles=("operator",))
def shots(*, campaign: Campaign, user, stream) -> None:
    """拍摄号 ↔ 学号 ↔ 姓名, one sheet per capture group and day, in the photographer's order.

    Voided numbers stay in their place with why, so the photographer's sequence reconciles row
    by row. An operator gets their own groups only, and student numbers masked as the desk pages
    show them (`capture_day`'s `desk_number`): the number and the name are enough to call a
    student, and a desk holds no whole student number. Staff get them whole.
    """
    groups = CaptureGroup.objects.filter(campaign=campaign) if user is None else desk_groups(user)
    masked = user is not None and user.is_operator
    rows = (
        Shot.objects.filter(group__in=groups.filter(campaign=campaign))
        .order_by("group__sort_order", "group__name", "day", "number")
        .values_list(
            "group__name",
            "day",
            "number",
            "capture__student__student_no",
            "capture__student__name",
            "capture__student__college__name",
            "capture__student__class_name",
            "voided_at",
            "void_code",
            "void_reason",
            "capture__undone_at",
            "assigned_at",
        )
    )
    wb = DataWorkbook()
    taken: set[str] = set()
    ws, current = None, None
    headers = [_("拍摄号"), _("学号"), _("姓名"), _("学院"), _("班级"), _("状态"), _("作废原因"), _("取号时间")]
    for group_name, day, number, no, name, college, klass, voided_at, code, reason, undone_at, at in rows.iterator(
        chunk_size=CHUNK
    ):
        if (group_name, day) != current:
            current = (group_name, day)
            ws = wb.create_sheet(_shot_sheet_title(day, group_name, taken))
            ws.write_header(headers, widths=[8, 14, 10, 22, 14, 18, 24, 18])
        status = _shot_status(voided_at, code, undone_at)
        shown_no = mask_code(no) if masked else no
        ws.append([number, shown_no, name, college, klass, status, reason, ws.moment(_local(at))])
    if ws is None:
        ws = wb.create_sheet(_("拍摄号"))
        ws.write_header(headers, widths=[8, 14, 10, 22, 14, 18, 24, 18])
    wb.save(stream)
