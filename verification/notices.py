"""What this app's notifications say: codes and data in, words out (notifications.messages).

Dates travel as ISO strings and choices as their codes, so each message is put into words in
the language it is read in.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import formatting
from core.formatting import joined
from notifications.messages import register_kind, register_message

from .models import ProblemType, ReportStatus

DUE = "verification.due"
OVERDUE = "verification.overdue"
SLOT_TOMORROW = "verification.slot_tomorrow"
OVERDUE_LIST = "verification.overdue_list"
PROBLEM_SUBMITTED = "verification.problem_submitted"
PROBLEM_STATUS = "verification.problem_status"


register_kind("verification_due", gettext_lazy("网上校对提醒"))
register_kind("slot_reminder", gettext_lazy("采集前一天提醒"))
register_kind("verification_overdue_list", gettext_lazy("学院逾期名单"))
register_kind(
    "verification_problem",
    gettext_lazy("网上校对问题反馈"),
    steps={
        "submitted": gettext_lazy("已提交"),
        "forwarded": gettext_lazy("已上报"),
        "resolved": gettext_lazy("已处理"),
    },
)


def _day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


@register_message(
    DUE, example={"due": "2026-09-01", "left": 3, "name": "Li", "captured": "2026-06-01", "url": "https://chsi.example"}
)
def due(data: dict) -> tuple[str, str]:
    values = {"due": formatting.date(_day(data["due"])), "left": data["left"]}
    title = (
        ngettext(
            "请在 %(due)s 前到学信网核对图像信息（还剩 %(left)s 天）",
            "请在 %(due)s 前到学信网核对图像信息（还剩 %(left)s 天）",
            data["left"],
        )
        % values
    )
    body = _(
        "%(name)s同学：你的毕业图像已于 %(captured)s 采集，"
        "请于 %(due)s 前登录 %(url)s 核对照片和本人学籍信息并确认。"
        "学生不上网校对，学校将无法提交毕业数据，后果由本人负责。照片或信息有误，请在本系统“网上校对”页面反馈。"
    ) % {
        "name": data["name"],
        "captured": formatting.date(_day(data["captured"])) if data.get("captured") else "",
        "due": values["due"],
        "url": data["url"],
    }
    return title, body


@register_message(OVERDUE, example={"name": "Li", "due": "2026-09-01", "url": "https://chsi.example"})
def overdue(data: dict) -> tuple[str, str]:
    title = _("网上校对已逾期：请立即登录学信网核对图像信息")
    body = _(
        "%(name)s同学：你的网上校对截止日期 %(due)s 已过，至今未确认。学生不上网校对，学校将无法提交毕业数据，"
        "后果由本人负责。请立即登录 %(url)s 核对照片和学籍信息并确认，如有问题请联系学院负责老师。"
    ) % {"name": data["name"], "due": formatting.date(_day(data["due"])), "url": data["url"]}
    return title, body


@register_message(
    SLOT_TOMORROW,
    example={"name": "Li", "date": "2026-06-01", "time": "09:00", "campus": "East", "location": "Gym", "group": "A"},
)
def slot_tomorrow(data: dict) -> tuple[str, str]:
    body = _(
        "%(name)s同学：你的毕业生图像采集安排在 %(date)s %(time)s，地点：%(place)s（%(group)s）。"
        "需携带：%(bring)s。注意事项：%(rules)s。"
    ) % {
        "name": data["name"],
        "date": formatting.date(_day(data["date"])),
        "time": data["time"],
        "place": f"{data['campus']} {data['location']}",
        "group": data["group"],
        # Staff's own words when they wrote some; the defaults are ours, so they are translated.
        "bring": data.get("bring") or _("二代身份证"),
        "rules": joined(data.get("rules") or []) or _("服从摄影师安排"),
    }
    if data.get("contact_name") or data.get("contact_phone"):
        body += _("联系人：%(who)s %(phone)s") % {
            "who": data.get("contact_name", ""),
            "phone": data.get("contact_phone", ""),
        }
    title = _("明天图像采集：%(time)s %(place)s") % {"time": data["time"], "place": data["location"]}
    return title, body


@register_message(
    OVERDUE_LIST,
    example={
        "total": 1,
        "colleges": [
            {"name": "CS", "n": 1, "students": [{"no": "1", "name": "Li", "class": "C1", "due": "2026-09-01"}]}
        ],
    },
)
def overdue_list(data: dict) -> tuple[str, str]:
    lines = []
    for college in data["colleges"]:
        lines.append(
            ngettext("%(college)s：%(n)s 人", "%(college)s：%(n)s 人", college["n"])
            % {"college": college["name"], "n": college["n"]}
        )
        for s in college.get("students", []):
            lines.append(
                "  "
                + _("%(no)s %(name)s %(class)s 截止 %(due)s")
                % {"no": s["no"], "name": s["name"], "class": s["class"], "due": formatting.date_short(_day(s["due"]))}
            )
    title = ngettext("网上校对逾期名单：%(n)s 人未确认", "网上校对逾期名单：%(n)s 人未确认", data["total"]) % {
        "n": data["total"]
    }
    body = (
        _("以下学生已过网上校对截止日期仍未确认，学校将无法提交其毕业数据，请督促学生尽快登录学信网核对：")
        + "\n"
        + "\n".join(lines)
        + "\n"
        + _("完整名单见“网上校对”页面，可导出 Excel。")
    )
    return title, body


@register_message(PROBLEM_SUBMITTED)
def problem_submitted(data: dict) -> tuple[str, str]:
    kind = _label(ProblemType, data["problem_type"])
    title = _("%(name)s 反馈网上校对问题：%(type)s") % {"name": data["name"], "type": kind}
    body = _("学生 %(name)s（%(no)s）反馈：%(type)s。说明：%(text)s。请在“网上校对”页面核实后上报教务处。") % {
        "name": data["name"],
        "no": data["no"],
        "type": kind,
        "text": data.get("text") or _("无"),
    }
    return title, body


@register_message(PROBLEM_STATUS)
def problem_status(data: dict) -> tuple[str, str]:
    status = _label(ReportStatus, data["status"])
    title = _("你反馈的问题：%(status)s") % {"status": status}
    body = _("你反馈的“%(type)s”现在的状态是：%(status)s。%(note)s") % {
        "type": _label(ProblemType, data["problem_type"]),
        "status": status,
        "note": data.get("note", ""),
    }
    return title, body
