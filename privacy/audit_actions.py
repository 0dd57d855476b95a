"""How the audit trail shows erasures (codes and counts in, words out)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import register_action

from .labels import describe_counts


@register_action("privacy.campaign_erased", gettext_lazy("删除批次个人信息"))
def _campaign_erased(data, names):
    return _("删除本批次个人信息（第 %(run)s 次运行）：%(counts)s") % {
        "run": data.get("run", 1),
        "counts": describe_counts(data.get("counts") or {}),
    }


@register_action("privacy.student_erased", gettext_lazy("按申请删除学生个人信息"), refs={"student_id": "student"})
def _student_erased(data, names):
    return _("删除 %(student)s 的个人信息，原因：%(reason)s（%(counts)s）") % {
        "student": names["student_id"],
        "reason": data.get("reason", ""),
        "counts": describe_counts(data.get("counts") or {}),
    }
