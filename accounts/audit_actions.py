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
