"""The "fees" report: reconciliation per college, unpaid students, remittances (.xlsx)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.registries import register
from core.spreadsheets import DataWorkbook
from sessions_app.models import College
from sessions_app.scope import visible_colleges, visible_students

from . import selectors
from .models import Remittance

RECONCILIATION_HEADERS = (
    "学院",
    "已采集人数",
    "应收（已采集人数 × 每人费用）",
    "已计费",
    "减免",
    "已收",
    "其中平台直缴",
    "未缴人数",
    "未收（学生未缴）",
    "学生余额（预缴）",
    "可上交（已收 − 平台直缴 − 已上交）",
    "已上交",
    "待确认",
    "已确认实收",
    "还需上交（应收 − 减免 − 平台直缴 − 已上交）",
    "差额（确认实收 − 对应上交单金额）",
    "负责老师",
)


def _reconciliation_row(sheet, row, *, name: str) -> list:
    money = sheet.money
    return [
        name,
        row.captured,
        money(row.expected),
        money(row.charged),
        money(row.waived),
        money(row.collected),
        money(row.direct),
        row.unpaid_count,
        money(row.unpaid),
        money(row.credit),
        money(row.held),
        money(row.remitted),
        money(row.pending_confirmation),
        money(row.confirmed),
        money(row.outstanding),
        money(row.difference),
        "、".join(str(c) for c in row.coordinators),
    ]


@register("fees", title=gettext_lazy("费用对账"), roles=("coordinator",))
def write_fee_report(*, campaign, user, stream) -> None:
    """user=None is the command line and sees every college; otherwise sessions_app.scope decides."""
    colleges = visible_colleges(user) if user is not None else College.objects.all()
    students = visible_students(user, campaign) if user is not None else campaign.students.all()
    workbook = DataWorkbook()
    _reconciliation_sheet(workbook, campaign=campaign, colleges=colleges)
    _unpaid_sheet(workbook, students=students.filter(college__in=colleges))
    _remittance_sheet(workbook, remittances=Remittance.objects.filter(campaign=campaign, college__in=colleges))
    workbook.save(stream)


def _reconciliation_sheet(workbook, *, campaign, colleges) -> None:
    rows, total = selectors.reconciliation(campaign=campaign, colleges=colleges)
    sheet = workbook.create_sheet(_("各学院对账"))
    caption = [
        campaign.name,
        _("单价"),
        sheet.money(campaign.fee_per_person),
        _("导出时间"),
        sheet.moment(timezone.localtime().replace(tzinfo=None, second=0, microsecond=0)),
    ]
    sheet.write_header(RECONCILIATION_HEADERS, widths=[24] + [12] * 15 + [20], above=[caption])
    for row in rows:
        sheet.append(_reconciliation_row(sheet, row, name=row.college.name))
    sheet.append(_reconciliation_row(sheet, total, name=_("合计")))


def _unpaid_sheet(workbook, *, students) -> None:
    unpaid = workbook.create_sheet(_("未缴费学生"))
    unpaid.write_header(["学院", "班级", "学号", "姓名", "应缴", "已缴", "减免", "欠费"], widths=[24, 16, 14, 10])
    rows = (
        students.filter(fee_account__balance__gt=0)
        .order_by("college__sort_order", "college__name", "class_name", "student_no")
        .values_list(
            "college__name",
            "class_name",
            "student_no",
            "name",
            "fee_account__charged",
            "fee_account__paid",
            "fee_account__waived",
            "fee_account__balance",
        )
    )
    for college, class_name, student_no, name, *amounts in rows.iterator(chunk_size=2000):
        unpaid.append([college, class_name, student_no, name, *(unpaid.money(a) for a in amounts)])


def _remittance_sheet(workbook, *, remittances) -> None:
    sent = workbook.create_sheet(_("上交记录"))
    sent.write_header(
        ["学院", "提交时间", "提交人", "笔数", "上交金额", "状态", "实收金额", "差额", "确认人", "备注"],
        widths=[24, 18, 12, 8, 12, 10, 12, 12, 12, 30],
    )
    remittances = remittances.select_related("college", "submitted_by", "confirmation__confirmed_by").order_by(
        "college__sort_order", "submitted_at"
    )
    for remittance in remittances:
        confirmation = getattr(remittance, "confirmation", None)
        if remittance.cancelled_at:
            status = _("已撤回")
        elif confirmation:
            status = _("已确认")
        else:
            status = _("待确认")
        sent.append(
            [
                remittance.college.name,
                sent.moment(timezone.localtime(remittance.submitted_at).replace(tzinfo=None, second=0, microsecond=0)),
                str(remittance.submitted_by or ""),
                remittance.entry_count,
                sent.money(remittance.amount),
                status,
                sent.money(confirmation.received_amount if confirmation else None),
                sent.money(confirmation.received_amount - remittance.amount if confirmation else None),
                str(confirmation.confirmed_by) if confirmation else "",
                remittance.note,
            ]
        )
