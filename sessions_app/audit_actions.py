"""How the audit trail shows capture, slot and roster events (codes and data in, words out)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import register_action, register_reference

from .models import College, Phase, Slot, Student
from .roster.messages import import_counts


def _students(ids: set[int]) -> dict[int, str]:
    rows = Student.objects.filter(pk__in=ids).values_list("pk", "name", "student_no")
    return {pk: _("%(name)s（%(no)s）") % {"name": name, "no": no} for pk, name, no in rows}


def _slots(ids: set[int]) -> dict[int, str]:
    return {slot.pk: str(slot) for slot in Slot.objects.filter(pk__in=ids).select_related("group")}


def _colleges(ids: set[int]) -> dict[int, str]:
    return dict(College.objects.filter(pk__in=ids).values_list("pk", "name"))


register_reference("student", _students)
register_reference("slot", _slots)
register_reference("college", _colleges)


def _with_reason(text: str, data: dict) -> str:
    reason = (data.get("reason") or "").strip()
    return _("%(text)s，原因：%(reason)s") % {"text": text, "reason": reason} if reason else text


@register_action("campaign.clone", gettext_lazy("由往届复制批次"))
def _campaign_clone(data, names):
    slots, audiences = int(data.get("slots") or 0), int(data.get("audiences") or 0)
    return _("由 %(source)s 复制为 %(code)s：%(slots)s、%(audiences)s，首个采集日 %(day)s") % {
        "source": data.get("source", ""),
        "code": data.get("code", ""),
        "slots": ngettext("%(n)s 个时段", "%(n)s 个时段", slots) % {"n": slots},
        "audiences": ngettext("%(n)s 个拍摄对象", "%(n)s 个拍摄对象", audiences) % {"n": audiences},
        "day": data.get("capture_day", ""),
    }


def _phase_label(code: str) -> str:
    try:
        return str(Phase(code).label)
    except ValueError:
        return code


@register_action("campaign.phase", gettext_lazy("设定批次阶段"))
def _campaign_phase(data, names):
    if data.get("override_to"):
        text = _("批次阶段由“%(before)s”设为“%(after)s”") % {
            "before": _phase_label(data.get("from", "")),
            "after": _phase_label(data.get("to", "")),
        }
    else:
        text = _("批次阶段改回按日期判断（由“%(before)s”变为“%(after)s”）") % {
            "before": _phase_label(data.get("from", "")),
            "after": _phase_label(data.get("to", "")),
        }
    return _with_reason(text, data)


@register_action("capture.record", gettext_lazy("采集"), refs={"student_id": "student", "slot_id": "slot"})
def _capture(data, names):
    if data.get("wrong_slot"):
        return _("%(student)s 在 %(slot)s 采集（非本人时段）") % {
            "student": names["student_id"],
            "slot": names["slot_id"],
        }
    return _("%(student)s 在 %(slot)s 采集") % {"student": names["student_id"], "slot": names["slot_id"]}


@register_action("capture.undo", gettext_lazy("撤销采集"), refs={"student_id": "student"})
def _capture_undo(data, names):
    return _with_reason(_("撤销 %(student)s 的采集") % {"student": names["student_id"]}, data)


@register_action("shot.void", gettext_lazy("作废拍摄号"), refs={"student_id": "student"})
def _shot_void(data, names):
    text = _("作废 %(student)s 的拍摄号 %(number)s（%(day)s）") % {
        "student": names["student_id"],
        "number": data.get("number", ""),
        "day": data.get("day", ""),
    }
    return _with_reason(text, data)


@register_action("shot.requeue", gettext_lazy("重新排队"), refs={"student_id": "student"})
def _shot_requeue(data, names):
    text = _("%(student)s 重新排队：拍摄号 %(number)s → %(new)s（%(day)s）") % {
        "student": names["student_id"],
        "number": data.get("number", ""),
        "new": data.get("new_number", ""),
        "day": data.get("day", ""),
    }
    return _with_reason(text, data)


_SLOT_REFS = {"student_id": "student", "from_slot": "slot", "to_slot": "slot"}


@register_action("slot.override", gettext_lazy("调整时段"), refs=_SLOT_REFS)
def _slot_override(data, names):
    text = _("%(student)s 的时段：%(from)s → %(to)s") % {
        "student": names["student_id"],
        "from": names["from_slot"],
        "to": names["to_slot"],
    }
    return _with_reason(text, data)


@register_action("slot.override_clear", gettext_lazy("取消时段调整"), refs=_SLOT_REFS)
def _slot_override_clear(data, names):
    text = _("%(student)s 恢复按规则分配的时段：%(from)s → %(to)s") % {
        "student": names["student_id"],
        "from": names["from_slot"],
        "to": names["to_slot"],
    }
    return _with_reason(text, data)


@register_action("roster.import", gettext_lazy("导入名单"))
def _roster_import(data, names):
    rows = int(data.get("rows") or 0)
    counts = {
        "file": data.get("file") or "",
        "created": data.get("created", 0),
        "updated": data.get("updated", 0),
        "unchanged": data.get("unchanged", 0),
        "rows": rows,
    }
    words = {
        "file": counts["file"],
        "counts": import_counts(created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"]),
        "rows": ngettext("共 %(n)s 行", "共 %(n)s 行", rows) % {"n": rows},
    }
    if not counts["file"]:
        return _("导入名单：%(counts)s（%(rows)s）") % words
    return _("导入名单“%(file)s”：%(counts)s（%(rows)s）") % words


@register_action("roster.counselors_created", gettext_lazy("为名单中的辅导员创建账号"))
def _counselors_created(data, names):
    accounts = data.get("accounts") or []
    people = "、".join(
        _("%(name)s（%(username)s，%(college)s）") % a
        if a.get("college")
        else f"{a.get('name', '')}（{a.get('username', '')}）"
        for a in accounts
    )
    return ngettext(
        "为名单中的 %(n)s 位辅导员创建账号：%(people)s", "为名单中的 %(n)s 位辅导员创建账号：%(people)s", len(accounts)
    ) % {"n": len(accounts), "people": people}


_FULL_ID_PLACES = {"export:roster": gettext_lazy("学生名单导出"), "admin:student": gettext_lazy("管理后台学生页")}


@register_action("id_numbers.shown_full", gettext_lazy("查看完整身份证号"))
def _id_numbers_shown_full(data, names):
    where = _FULL_ID_PLACES.get(data.get("where"), data.get("where", ""))
    return ngettext(
        "%(where)s 显示了 %(rows)s 行完整身份证号", "%(where)s 显示了 %(rows)s 行完整身份证号", data.get("rows", 0)
    ) % {
        "where": where,
        "rows": data.get("rows", 0),
    }


_CODE_SOURCES = {
    "upload": gettext_lazy("上传图片"),
    "camera": gettext_lazy("拍照扫码"),
    "scan": gettext_lazy("摄像头扫描"),
}


@register_action("collection_code.bind", gettext_lazy("绑定采集码"), refs={"student_id": "student"})
def _code_bind(data, names):
    source = _CODE_SOURCES.get(data.get("source"), data.get("source", ""))
    return _("%(student)s 绑定了采集码（%(source)s）") % {"student": names["student_id"], "source": source}


@register_action("collection_code.replace", gettext_lazy("更换采集码"), refs={"student_id": "student"})
def _code_replace(data, names):
    source = _CODE_SOURCES.get(data.get("source"), data.get("source", ""))
    return _("%(student)s 更换了采集码（%(source)s）") % {"student": names["student_id"], "source": source}


@register_action(
    "collection_code.clash", gettext_lazy("采集码冲突"), refs={"student_id": "student", "holder_id": "student"}
)
def _code_clash(data, names):
    return _("%(student)s 绑定的采集码已被 %(holder)s 绑定，未绑定") % {
        "student": names["student_id"],
        "holder": names["holder_id"],
    }


@register_action("collection_code.remind", gettext_lazy("提醒绑定采集码"), refs={"college_id": "college"})
def _code_remind(data, names):
    sent = int(data.get("sent") or 0)
    scope = names["college_id"] if data.get("college_id") else _("全部学院")
    if data.get("class_name"):
        scope = _("%(college)s %(class)s") % {"college": scope, "class": data["class_name"]}
    return ngettext(
        "提醒 %(scope)s 未绑定采集码的学生：发出 %(n)s 条", "提醒 %(scope)s 未绑定采集码的学生：发出 %(n)s 条", sent
    ) % {"scope": scope, "n": sent}


@register_action("collection_code.clear", gettext_lazy("清除采集码绑定"), refs={"student_id": "student"})
def _code_clear(data, names):
    return _with_reason(_("清除了 %(student)s 的采集码绑定") % {"student": names["student_id"]}, data)


@register_action("account.open_for_roster", gettext_lazy("为名单学生开通账号"))
def _open_for_roster(data, names):
    return ngettext(
        "为名单中 %(n)d 名学生开通账号（统一身份认证登录）",
        "为名单中 %(n)d 名学生开通账号（统一身份认证登录）",
        data.get("opened", 0),
    ) % {"n": data.get("opened", 0)}
