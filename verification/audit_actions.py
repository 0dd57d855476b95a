"""How the audit trail shows verification events (codes and data in, words out)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import register_action

from .models import ProblemType

_STUDENT = {"student_id": "student"}


def _problem(data) -> str:
    try:
        return str(ProblemType(data.get("problem_type")).label)
    except ValueError:
        return str(data.get("problem_type") or "")


@register_action("verification.confirm", gettext_lazy("网上校对确认"), refs=_STUDENT)
def _confirm(data, names):
    return _("%(student)s 自报已在学信网核对确认") % {"student": names["student_id"]}


@register_action("verification.confirm.withdraw", gettext_lazy("撤回网上校对确认"), refs=_STUDENT)
def _confirm_withdraw(data, names):
    return _("%(student)s 撤回了当天的学信网核对确认") % {"student": names["student_id"]}


@register_action("verification.problem.report", gettext_lazy("反馈校对问题"), refs=_STUDENT)
def _report(data, names):
    return _("%(student)s 反馈：%(problem)s") % {"student": names["student_id"], "problem": _problem(data)}


@register_action("verification.problem.forward", gettext_lazy("上报校对问题"), refs=_STUDENT)
def _forward(data, names):
    return _("%(student)s 的问题（%(problem)s）已上报教务处") % {
        "student": names["student_id"],
        "problem": _problem(data),
    }


@register_action("verification.problem.resolve", gettext_lazy("处理校对问题"), refs=_STUDENT)
def _resolve(data, names):
    return _("%(student)s 的问题（%(problem)s）已处理") % {"student": names["student_id"], "problem": _problem(data)}


@register_action("verification.chsi_import", gettext_lazy("导入学信网校对状态"))
def _chsi_import(data, names):
    text = _(
        "导入学信网校对状态 %(file)s：确认 %(confirmed)s，撤销确认 %(unconfirmed)s，信息有误 %(reported)s，"
        "未变 %(unchanged)s，未匹配 %(unmatched)s"
    )
    return text % {
        "file": data.get("file", ""),
        "confirmed": data.get("confirmed", 0),
        "unconfirmed": data.get("unconfirmed", 0),
        "reported": data.get("reported", 0),
        "unchanged": data.get("unchanged", 0),
        "unmatched": data.get("unmatched", 0),
    }
