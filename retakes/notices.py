"""What this app's notifications say: codes and data in, words out (notifications.messages)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from notifications.messages import register_kind, register_message

from .models import Channel, Status

DUE = "retake.due"
DUE_TO_COUNSELOR = "retake.due_counselor"

register_kind("retake_due", gettext_lazy("补拍截止提醒"))
# The staff's decision on a retake photo; its steps are the two decisions (Status labels).
register_kind(
    "retake_decision",
    gettext_lazy("补拍照片审核结果"),
    steps={"accepted": Status.ACCEPTED.label, "returned": Status.RETURNED.label},
)
ACCEPTED = "retake.accepted"
RETURNED = "retake.returned"


def _text(data: dict) -> tuple[str, str]:
    left = data["left"]
    title = ngettext("补拍截止日期 %(date)s，还剩 %(n)s 天", "补拍截止日期 %(date)s，还剩 %(n)s 天", left) % {
        "date": data["deadline"],
        "n": left,
    }
    if data["status"] == Status.ACCEPTED:
        todo = _("电子照片已通过，请尽快把纸质照片交给辅导员。")
    elif data["status"] == Status.RETURNED:
        todo = _("照片被退回，请按退回原因重新提交电子照片。")
    else:
        try:
            channel = Channel(data["channel"]).label
        except ValueError:
            channel = data["channel"]
        todo = _("请按“%(channel)s”的要求完成补拍并提交电子照片。") % {"channel": channel}
    return title, todo + _("未按时补拍导致学历证书电子注册延迟的，由学生本人负责。")


@register_message(DUE, example={"left": 3, "deadline": "2026-09-01", "status": "requested", "channel": "photo"})
def due(data: dict) -> tuple[str, str]:
    return _text(data)


@register_message(
    DUE_TO_COUNSELOR,
    example={"left": 3, "deadline": "2026-09-01", "status": "returned", "channel": "", "name": "Li", "no": "2020"},
)
def due_to_counselor(data: dict) -> tuple[str, str]:
    title, body = _text(data)
    return title, _("%(name)s（%(no)s）：%(body)s") % {"name": data["name"], "no": data["no"], "body": body}


@register_message(ACCEPTED)
def accepted(data: dict) -> tuple[str, str]:
    if data.get("status") == Status.DONE:
        body = _("补拍已完成，无需再做什么。")
    else:
        body = _("请尽快把纸质照片交给辅导员，补拍才算完成。")
    return _("补拍电子照片已通过审核"), body


@register_message(RETURNED)
def returned(data: dict) -> tuple[str, str]:
    return _("补拍电子照片被退回，请重新提交"), _(
        "退回原因：%(reason)s。请按要求重新拍摄，在补拍页面提交新的电子照片。"
    ) % {"reason": data.get("reason", "")}
