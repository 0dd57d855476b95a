"""How the audit trail shows fee events (codes and data in, words out, in the reader's language)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import register_action
from core.formatting import money

from .models import Kind

_STUDENT = {"student_id": "student"}


def _kind(code) -> str:
    try:
        return str(Kind(code).label)
    except ValueError:
        return str(code or "")


@register_action("fee.refund", gettext_lazy("退费"), refs=_STUDENT)
def _refund(data, names):
    return _("%(student)s 退费 %(amount)s：%(note)s") % {
        "student": names["student_id"],
        "amount": money(data.get("amount")),
        "note": data.get("note", ""),
    }


@register_action("fee.waiver", gettext_lazy("减免"), refs=_STUDENT)
def _waiver(data, names):
    return _("%(student)s 减免 %(amount)s：%(note)s") % {
        "student": names["student_id"],
        "amount": money(data.get("amount")),
        "note": data.get("note", ""),
    }


@register_action("fee.reverse", gettext_lazy("冲正"), refs=_STUDENT)
def _reverse(data, names):
    return _("%(student)s 冲正%(kind)s %(amount)s：%(reason)s") % {
        "student": names["student_id"],
        "kind": _kind(data.get("reversed_kind")),
        "amount": money(data.get("amount")),
        "reason": data.get("reason", ""),
    }


@register_action("fee.remittance.submit", gettext_lazy("上交费用"), refs={"college_id": "college"})
def _remit(data, names):
    entries = int(data.get("entries") or 0)
    return ngettext("%(college)s 上交 %(amount)s（%(n)s 笔）", "%(college)s 上交 %(amount)s（%(n)s 笔）", entries) % {
        "college": names["college_id"],
        "amount": money(data.get("amount")),
        "n": entries,
    }


@register_action("fee.remittance.cancel", gettext_lazy("撤回上交"), refs={"college_id": "college"})
def _remit_cancel(data, names):
    return _("%(college)s 撤回上交 %(amount)s：%(reason)s") % {
        "college": names["college_id"],
        "amount": money(data.get("amount")),
        "reason": data.get("reason", ""),
    }


@register_action("fee.remittance.confirm", gettext_lazy("确认到账"), refs={"college_id": "college"})
def _remit_confirm(data, names):
    try:
        difference = Decimal(data["received"]) - Decimal(data["declared"])
    except (KeyError, InvalidOperation, TypeError):
        difference = None
    return _("%(college)s 确认到账 %(received)s（上交 %(declared)s，差额 %(difference)s）") % {
        "college": names["college_id"],
        "received": money(data.get("received")),
        "declared": money(data.get("declared")),
        "difference": money(difference),
    }


@register_action("fee.service_count", gettext_lazy("登记摄影方收费人数"), refs={"college_id": "college"})
def _service_count(data, names):
    return _("登记 %(college)s 摄影方收费人数 %(count)s") % {
        "college": names.get("college_id", ""),
        "count": data.get("count", ""),
    }


@register_action("fee.group_payment", gettext_lazy("代缴登记"))
def _group_payment(data, names):
    return ngettext(
        "%(payer)s 代缴 %(count)s 人，共 %(total)s",
        "%(payer)s 代缴 %(count)s 人，共 %(total)s",
        int(data.get("count", 0) or 0),
    ) % {"payer": data.get("payer", ""), "count": data.get("count", ""), "total": data.get("total", "")}


@register_action("fee.remittance.reverse_confirmation", gettext_lazy("撤销到账确认"), refs={"college_id": "college"})
def _remit_reverse_confirmation(data, names):
    return _("%(college)s 撤销到账确认（实收 %(received)s，上交 %(declared)s）：%(reason)s") % {
        "college": names.get("college_id", ""),
        "received": data.get("received", ""),
        "declared": data.get("declared", ""),
        "reason": data.get("reason", ""),
    }
