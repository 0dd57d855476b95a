"""The archive a campaign's erasure writes first: what the school must keep once the personal
data is gone (per student: captured, paid, verified, retake outcome, masked ID number)."""

import tempfile
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import DataWorkbook
from retakes.models import Status as RetakeStatus
from sessions_app.models import Campaign

from .selectors import archive_rows

RETAKE_STATUSES = dict(RetakeStatus.choices)


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def write_archive(campaign: Campaign) -> tuple[str, IO[bytes]]:
    """(download name, stream) of the archive workbook; rows streamed, constant memory."""
    workbook = DataWorkbook()
    sheet = workbook.create_sheet(_("学生"))
    sheet.write_header(
        [
            _("学号"),
            _("姓名"),
            _("学院"),
            _("班级"),
            _("身份证号（部分隐藏）"),
            _("已采集"),
            _("采集时间"),
            _("应缴"),
            _("已缴"),
            _("减免"),
            _("欠费"),
            _("已校对"),
            _("补拍结果"),
        ],
        widths=[14, 10, 22, 16, 22, 8, 18, 8, 8, 8, 8, 8, 18],
    )
    totals = {"students": 0, "captured": 0, "verified": 0, "paid_up": 0, "retakes": 0}
    yes, no = _("是"), _("否")
    for row in archive_rows(campaign):
        balance = row["fee_account__balance"]
        totals["students"] += 1
        totals["captured"] += row["captured_at"] is not None
        totals["verified"] += bool(row["verified"])
        totals["paid_up"] += balance is not None and balance <= 0
        totals["retakes"] += row["retake_status"] is not None
        sheet.append(
            [
                row["student_no"],
                row["name"],
                row["college__name"],
                row["class_name"],
                row["masked_id"],
                yes if row["captured_at"] else no,
                sheet.moment(_local(row["captured_at"])),
                sheet.money(row["fee_account__charged"]),
                sheet.money(row["fee_account__paid"]),
                sheet.money(row["fee_account__waived"]),
                sheet.money(balance),
                yes if row["verified"] else no,
                str(RETAKE_STATUSES.get(row["retake_status"], "")) if row["retake_status"] else "",
            ]
        )
    summary = workbook.create_sheet(_("汇总"))
    summary.write_header([_("项目"), _("人数")], widths=[24, 10])
    summary.append([_("采集批次"), campaign.name])
    summary.append([_("学生"), totals["students"]])
    summary.append([_("已采集"), totals["captured"]])
    summary.append([_("已缴清（无欠费）"), totals["paid_up"]])
    summary.append([_("已校对"), totals["verified"]])
    summary.append([_("申请过补拍"), totals["retakes"]])
    summary.append([_("归档时间"), _local(timezone.now())])
    stream = tempfile.TemporaryFile()
    workbook.save(stream)
    return _("个人信息删除前归档-%(code)s.xlsx") % {"code": campaign.code}, stream
