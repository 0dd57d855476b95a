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


WORDS = Words(
    {
        "bad_key": gettext_lazy("提交编号无效，请刷新页面后重新提交"),
        "key_missing": gettext_lazy("缺少提交编号，请刷新页面后重新提交"),
        "key_too_long": gettext_lazy("提交编号过长，请刷新页面后重新提交"),
        "key_reused": gettext_lazy("这个提交编号已用于另一笔记录，请刷新页面后重新填写"),
        "bad_paid_at": _paid_at,
        # "method_invalid" is added by fees.ledger, which knows the methods (this module imports no model)
        "role_forbidden": gettext_lazy("你的角色不能登记费用"),
        "out_of_scope": gettext_lazy("学号 %(no)s 不属于你负责的学院，不能为其登记费用"),
        "overpaid": _overpaid,
        "platform_only": gettext_lazy("校园统一支付平台的缴费由平台自动通知入账，不能手工登记；请选择实际收款方式"),
        "not_charged": gettext_lazy("%(name)s（%(no)s）尚未采集，没有应缴费用"),
        "no_students": gettext_lazy("请至少选择一名学生"),
        "capture_undone": gettext_lazy("这次采集已撤销，不再计费"),
        "capture_not_undone": gettext_lazy("这次采集没有撤销，计费不能取消；请先撤销采集"),
    },
    name="fees.refusals",
    base=AMOUNT,
    examples={
        "bad_paid_at": {"when": "2026-09-01T10:00:00+08:00", "days": 90},
        "overpaid": {"name": "Li", "no": "2020001", "amount": "17.00", "limit": "0.00"},
    },
)
