"""The words of CaptureError's codes (the desk's and the slot override's refusals), from their params.

Here beside CaptureError (sessions_app.services) although most are the desk's (capture_day): the
error and its words are one thing, and capture_day sits above this app.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.words import Words


def _role_forbidden(p) -> str:
    if p.get("what") == "undo":
        return _("你的角色不能撤销采集记录")
    return _("你的角色不能在采集台刷证")


def _slot_other_campaign(p) -> str:
    if p.get("what") == "student":
        return _("该时段不属于学生所在的采集批次")
    return _("该时段不属于本批次")


def _undo_too_late(p) -> str:
    return ngettext(
        "已超过 %(n)s 分钟，采集台不能再撤销；请联系教务处说明原因后撤销",
        "已超过 %(n)s 分钟，采集台不能再撤销；请联系教务处说明原因后撤销",
        p["n"],
    ) % {"n": p["n"]}


WORDS = Words(
    {
        "staff_only": gettext_lazy("只有教务处可以调整学生的采集时段"),
        "slot_other_campaign": _slot_other_campaign,
        "role_forbidden": _role_forbidden,
        "desk_not_yours": gettext_lazy("你不负责 %(group)s 的采集台，本次未记录；请到自己负责的采集台刷证"),
        "nonce_reused": gettext_lazy("这条刷证记录属于另一个采集台或另一位操作员，本次未记录；请重新刷证"),
        "already_undone": gettext_lazy("这条采集记录已经撤销过了"),
        "undo_not_own": gettext_lazy("只能撤销自己刚刷的采集记录；其他记录请联系教务处撤销"),
        "undo_too_late": _undo_too_late,
        "undo_other_desk": gettext_lazy("这条采集记录不是你负责的采集台刷的；请联系教务处撤销"),
        "reason_missing": gettext_lazy("撤销采集必须填写原因"),
        "reason_too_long": gettext_lazy("撤销原因最多 %(n)s 个字，请缩短后重试"),
    },
    name="sessions_app.capture_refusals",
    examples={"undo_too_late": {"n": 10}},
)
