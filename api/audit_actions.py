"""How the audit trail shows the API's events (codes and data in, words out)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import register_action


@register_action("api.token_create", gettext_lazy("创建接口令牌"))
def _create(data, names):
    return _("令牌 %(name)s（%(prefix)s），批次 %(campaigns)s，数据范围 %(scopes)s") % {
        "name": data.get("name", ""),
        "prefix": data.get("prefix", ""),
        "campaigns": "、".join(data.get("campaigns", [])),
        "scopes": "、".join(data.get("scopes", [])),
    }


@register_action("api.token_revoke", gettext_lazy("吊销接口令牌"))
def _revoke(data, names):
    return _("令牌 %(name)s（%(prefix)s）") % {"name": data.get("name", ""), "prefix": data.get("prefix", "")}


@register_action("api.read", gettext_lazy("接口读取"))
def _read(data, names):
    if data.get("id_numbers"):
        return _("令牌 #%(token)s 读取 %(endpoint)s，%(rows)s 行，含身份证号") % {
            "token": data.get("token_id"),
            "endpoint": data.get("endpoint", ""),
            "rows": data.get("rows", 0),
        }
    return _("令牌 #%(token)s 读取 %(endpoint)s，%(rows)s 行") % {
        "token": data.get("token_id"),
        "endpoint": data.get("endpoint", ""),
        "rows": data.get("rows", 0),
    }
