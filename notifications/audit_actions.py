"""How the audit trail shows notification events (codes and data in, words out)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import register_action


@register_action("delivery.resolve", gettext_lazy("处理发送结果未知的消息"))
def _delivery_resolve(data, names):
    if data.get("delivered"):
        return _("确认已送达（%(channel)s）") % {"channel": data.get("channel", "")}
    return _("确认未送达，重新发送（%(channel)s）") % {"channel": data.get("channel", "")}
