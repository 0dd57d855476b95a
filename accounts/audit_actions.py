"""How the audit trail shows account events. The "student" reference is loaded by sessions_app."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import register_action


@register_action("account.password_change", gettext_lazy("修改密码"))
def _account_password_change(data, names):
    return _("修改了自己的密码")


@register_action("account.activate", gettext_lazy("激活账号"), refs={"student_id": "student"})
def _account_activate(data, names):
    return _("%(student)s 激活账号") % {"student": names["student_id"]}


@register_action("account.password_reset", gettext_lazy("重设密码"), refs={"student_id": "student"})
def _account_password_reset(data, names):
    return _("%(student)s 用学籍信息重新设置了密码") % {"student": names["student_id"]}


@register_action("account.cas_login", gettext_lazy("统一身份认证登录"))
def _account_cas_login(data, names):
    return _("通过统一身份认证登录（学工号 %(identity)s）") % {"identity": data.get("identity", "")}


CAS_REFUSALS = {
    "unknown": gettext_lazy("没有对应的账号"),
    "not_activated": gettext_lazy("在名单中但未开通账号"),
    "inactive": gettext_lazy("账号已停用"),
    "no_identity": gettext_lazy("未提供学工号"),
}


@register_action("account.cas_refused", gettext_lazy("统一身份认证登录被拒绝"))
def _account_cas_refused(data, names):
    reason = CAS_REFUSALS.get(data.get("reason", ""), data.get("reason", ""))
    return _("统一身份认证登录被拒绝（学工号 %(identity)s）：%(reason)s") % {
        "identity": data.get("identity", ""),
        "reason": reason,
    }
