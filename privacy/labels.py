"""The words for the erasure's count codes (job page, command, audit trail)."""

from django.utils.translation import gettext_lazy as _

COUNT_LABELS = {
    "students": _("学生"),
    "id_numbers": _("完整身份证号"),
    "phones": _("手机号"),
    "emails": _("邮箱"),
    "collection_codes": _("采集码散列"),
    "accounts_closed": _("停用的学生账号"),
    "photo_files": _("补拍照片文件"),
    "retake_texts": _("补拍申请的说明和备注"),
    "problem_texts": _("问题反馈的文字"),
    "notification_texts": _("通知中的文字"),
    "deliveries_cancelled": _("取消的待发短信和邮件"),
    "delivery_addresses": _("短信和邮件的收件地址"),
    "job_files": _("后台任务文件"),
    "staged_uploads": _("待确认的上传文件"),
}


def describe_counts(counts: dict) -> str:
    # In the labels' order: PostgreSQL's jsonb keeps keys in its own order.
    parts = [f"{label} {counts[code]}" for code, label in COUNT_LABELS.items() if counts.get(code)]
    return "，".join(parts) if parts else str(_("无"))
