"""How the audit trail shows retake events (codes and data in, words out)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import register_action

from .models import Channel

_STUDENT = {"student_id": "student"}


def _channel(code) -> str:
    try:
        return str(Channel(code).label)
    except ValueError:
        return str(code or "")


@register_action("retake.request", gettext_lazy("申请补拍"), refs=_STUDENT)
def _request(data, names):
    return _("%(student)s 申请补拍（%(channel)s）") % {
        "student": names["student_id"],
        "channel": _channel(data.get("channel")),
    }


@register_action("retake.photo", gettext_lazy("提交补拍照片"), refs=_STUDENT)
def _photo(data, names):
    return _("%(student)s 提交补拍电子照片") % {"student": names["student_id"]}


@register_action("retake.accept", gettext_lazy("补拍照片通过"), refs=_STUDENT)
def _accept(data, names):
    if data.get("reason"):
        return _("%(student)s 的补拍照片通过：%(reason)s") % {"student": names["student_id"], "reason": data["reason"]}
    return _("%(student)s 的补拍照片通过") % {"student": names["student_id"]}


@register_action("retake.return", gettext_lazy("补拍照片退回"), refs=_STUDENT)
def _return(data, names):
    return _("%(student)s 的补拍照片退回：%(reason)s") % {
        "student": names["student_id"],
        "reason": data.get("reason", ""),
    }


@register_action("retake.photo_export", gettext_lazy("导出补拍电子照片"))
def _photo_export(data, names):
    return _("导出补拍电子照片 %(n)s 张（按%(by)s命名）") % {
        "n": data.get("photos", 0),
        "by": _("身份证号") if data.get("name_by") == "id_number" else _("学号"),
    }
