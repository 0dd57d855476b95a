"""The words of the fee rules' refusals, made from their params when shown: the money parser's
(fees.money.AmountError) in AMOUNT, posting a payment's (FeeError raised by fees.ledger and
fees.services) in WORDS. The payment import's page and the payment callback's log word the same
codes from the same params.

Imports no model: fees.models renders the callback's log with these words.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import formatting
from core.words import Words


def _invalid(params) -> str:
    if params.get("value"):
        return _("金额“%(value)s”不是有效的数字") % {"value": params["value"]}
    return _("金额不是有效的数字")


AMOUNT = Words(
    {
        "amount_empty": gettext_lazy("金额不能为空"),
        "amount_invalid": _invalid,
        "amount_not_positive": gettext_lazy("金额必须大于 0"),
        "amount_too_large": gettext_lazy("金额过大：不能超过 ¥%(max)s"),
        "amount_precision": gettext_lazy("金额最多两位小数（元、角、分）"),
        "amount_separator": gettext_lazy(
            "金额“%(value)s”中的逗号无法确定含义：小数请用小数点（如 0.50），千位分隔只能三位一组（如 1,234.50）"
        ),
    },
    name="fees.refusals amounts",
)


def _paid_at(data: dict) -> str:
    if "when" in data:
        return _("缴费时间 %(when)s 早于本采集批次开始前 %(days)s 天，请核对") % {
            "when": formatting.datetime_short(datetime.datetime.fromisoformat(data["when"])),
            "days": data.get("days", ""),
        }
    return _("缴费时间晚于当前时间，请核对")


def _overpaid(data: dict) -> str:
    values = {"name": data.get("name", ""), "no": data.get("no", ""), "amount": formatting.money(data.get("amount"))}
    if "limit" in data:
        return _("超出应缴金额：%(name)s（%(no)s）目前最多应缴 %(limit)s，本次 %(amount)s") % {
            **values,
            "limit": formatting.money(data["limit"]),
        }
    return _("超出应缴金额：%(name)s（%(no)s）已缴清，无需再缴（本次 %(amount)s）") % values


def _by_what(**variants):
    # One code refused by several rules (who may, which reason is missing), told apart by params["what"].
    return lambda data: str(variants[data.get("what", "")])


def _out_of_scope(data: dict) -> str:
    if "no" in data:
        return _("学号 %(no)s 不属于你负责的学院，不能为其登记费用") % {"no": data["no"]}
    if "college" in data:
        return _("你不负责%(college)s") % {"college": data["college"]}
    return _("这笔记录记在其他学院的账上，只有该学院的负责老师或教务处可以冲正")


def _already_confirmed(data: dict) -> str:
    return _("这张上交单已于 %(when)s 确认实收 %(amount)s，不能再改") % {
        "when": formatting.datetime_short(datetime.datetime.fromisoformat(data["when"])),
        "amount": formatting.money(data["amount"]),
    }


WORDS = Words(
    {
        "bad_key": gettext_lazy("提交编号无效，请刷新页面后重新提交"),
        "key_missing": gettext_lazy("缺少提交编号，请刷新页面后重新提交"),
        "key_too_long": gettext_lazy("提交编号过长，请刷新页面后重新提交"),
        "key_reused": gettext_lazy("这个提交编号已用于另一笔记录，请刷新页面后重新填写"),
        "bad_paid_at": _paid_at,
        # "method_invalid" is added by fees.ledger, which knows the methods (this module imports no model)
        "role_forbidden": _by_what(
            **{"": gettext_lazy("你的角色不能登记费用"), "remit": gettext_lazy("你的角色不能上交费用")}
        ),
        "out_of_scope": _out_of_scope,
        "overpaid": _overpaid,
        "platform_only": gettext_lazy("校园统一支付平台的缴费由平台自动通知入账，不能手工登记；请选择实际收款方式"),
        "not_charged": gettext_lazy("%(name)s（%(no)s）尚未采集，没有应缴费用"),
        "no_students": gettext_lazy("请至少选择一名学生"),
        "capture_undone": gettext_lazy("这次采集已撤销，不再计费"),
        "capture_not_undone": gettext_lazy("这次采集没有撤销，计费不能取消；请先撤销采集"),
        # fees.adjustments: refunds, waivers, reversals
        "staff_only": _by_what(
            refund_platform=gettext_lazy("通过校园统一支付平台退费只能由教务处登记"),
            waive=gettext_lazy("只有教务处可以减免费用"),
            reverse_waiver=gettext_lazy("只有教务处可以冲正减免"),
            reverse_confirmation=gettext_lazy("只有教务处可以撤销到账确认"),
            confirm=gettext_lazy("只有教务处可以确认到账"),
            service_count=gettext_lazy("只有教务处可以登记摄影方的收费人数"),
        ),
        "reason_missing": _by_what(
            waive=gettext_lazy("减免必须填写原因"),
            reverse=gettext_lazy("冲正必须填写原因"),
            withdraw=gettext_lazy("撤回上交必须填写原因"),
            reverse_confirmation=gettext_lazy("撤销到账确认必须填写原因"),
        ),
        "refund_exceeds_paid": lambda data: (
            _("退费不能超过已缴金额：%(name)s 已缴 %(paid)s，本次退 %(amount)s")
            % {"name": data["name"], "paid": formatting.money(data["paid"]), "amount": formatting.money(data["amount"])}
        ),
        "reversal_of_reversal": gettext_lazy("冲正记录不能再冲正；如需恢复，请重新登记一笔"),
        "charge_not_reversible": gettext_lazy("计费随采集自动生成，不能手工冲正；如采集有误，请撤销采集"),
        "already_reversed": gettext_lazy("这笔记录已经冲正过了"),
        "remittance_confirmed": _by_what(
            **{
                "": gettext_lazy("这笔款项已上交并经教务处确认到账，只有教务处可以冲正"),
                "withdraw": gettext_lazy("教务处已确认到账，不能撤回"),
            }
        ),
        "paid_below_zero": gettext_lazy("冲正后已缴金额会小于 0：请先冲正其后的退费"),
        # fees.remittances
        "nothing_to_remit": gettext_lazy("%(college)s目前没有待上交的款项"),
        "not_confirmed": gettext_lazy("这张上交单没有有效的到账确认，无需撤销"),
        "remittance_cancelled": gettext_lazy("这张上交单已撤回，不能确认"),
        "already_confirmed": _already_confirmed,
        "count_out_of_range": gettext_lazy("人数应在 0 到 %(max)s 之间"),
    },
    name="fees.refusals",
    base=AMOUNT,
    examples={
        "bad_paid_at": {"when": "2026-09-01T10:00:00+08:00", "days": 90},
        "overpaid": {"name": "Li", "no": "2020001", "amount": "17.00", "limit": "0.00"},
        "role_forbidden": {"what": "remit"},
        "staff_only": {"what": "waive"},
        "reason_missing": {"what": "reverse"},
        "remittance_confirmed": {"what": "withdraw"},
        "refund_exceeds_paid": {"name": "Li", "paid": "17.00", "amount": "20.00"},
        "already_confirmed": {"when": "2026-09-01T10:00:00+08:00", "amount": "170.00"},
    },
)
