from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.registries import register
from core.spreadsheets import DataWorkbook

from . import selectors
from .models import CheckStatus


def _local(value):
    # Excel has no time zones: the Asia/Shanghai wall-clock minute.
    return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0) if value else None


@register("retakes", title=gettext_lazy("补拍名单"))
def retakes_export(*, campaign, user, stream) -> None:
    """Every retake request of the campaign the user may see (user=None: the command line, all)."""
    workbook = DataWorkbook()
    sheet = workbook.create_sheet(_("补拍名单"))
    sheet.write_header(
        [
            _("学号"), _("姓名"), _("学院"), _("班级"), _("辅导员"), _("原因"), _("原因说明"), _("补拍方式"),
            _("计划日期"), _("截止日期"), _("状态"), _("电子照片"), _("自动检查"), _("问题"), _("纸质照片"),
            _("申请时间"), _("更新时间"),
        ],
        widths=[14, 10, 22, 14, 10, 12, 24, 20, 12, 12, 14, 18, 12, 40, 18, 18, 18],
    )  # fmt: skip
    deadline = sheet.date(campaign.retake_deadline)
    for request in selectors.export_rows(user, campaign):
        student = request.student
        photo = request.current_photo
        findings = _("；").join(f.message for f in photo.finding_list) if photo else ""
        sheet.append(
            [
                student.student_no,
                student.name,
                student.college.name,
                student.class_name,
                str(student.counselor) if student.counselor_id else "",
                request.get_reason_display(),
                request.reason_detail,
                request.get_channel_display(),
                sheet.date(request.planned_date),
                deadline,
                request.get_status_display(),
                sheet.moment(_local(photo.uploaded_at)) if photo else _("未提交"),
                str(CheckStatus(photo.check_status).label) if photo else "",
                findings,
                sheet.moment(_local(request.paper_photo_received_at))
                or (_("需交") if request.needs_paper_photo else _("不需要")),
                sheet.moment(_local(request.created_at)),
                sheet.moment(_local(request.updated_at)),
            ]
        )
    workbook.save(stream)
