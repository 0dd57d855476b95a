"""What this app's notifications say (notifications.messages): codes and data in, words out."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.messages import register_kind, register_message

BIND_KIND = "collection_code_bind"
BIND_CODE = "capture_day.bind_code"

register_kind(BIND_KIND, gettext_lazy("绑定采集码提醒"))


@register_message(BIND_CODE)
def bind_code(data: dict) -> tuple[str, str]:
    title = _("请在采集前绑定学信网采集码")
    body = _(
        "%(name)s同学：%(campaign)s 采集当天凭学信网采集码拍照。请到学信网下载本人的采集码，"
        "长按保存原图（不要截图），再登录本系统“我的图像采集”页面绑定（%(link)s）。"
    ) % {"name": data.get("name", ""), "campaign": data.get("campaign", ""), "link": data.get("link", "")}
    return title, body
