"""The words of every payment import problem, built from its code and params when shown.

The import keeps (row, column, code, params); its page, the error workbook and a background
job's page put them into words here, in the reader's language.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import clauses, money
from intake.errors import Messages
from intake.messages import INTAKE

from .callback_errors import _overpaid, _paid_at  # the fee rules' words, made from their params


def _amount_invalid(p) -> str:
    if "value" in p:
        return _("金额“%(value)s”不是有效的数字") % {"value": p["value"]}
    return _("金额不是有效的数字")


MESSAGES = Messages(
    {
        "student_no_empty": gettext_lazy("学号为空"),
        # the file as a whole (the intake's own refusals come from INTAKE)
        # max is payment_import.MAX_ROWS (50,000): never one, so no plural forms
        "too_many_rows": gettext_lazy("文件超过 %(max)s 行，请分批导入"),
        "no_rows": gettext_lazy("文件中没有缴费记录"),
        # fees.money.parse_amount's refusals, with the params it raises them with
        "amount_empty": gettext_lazy("金额不能为空"),
        "amount_invalid": _amount_invalid,
        "amount_separator": gettext_lazy(
            "金额“%(value)s”中的逗号无法确定含义：小数请用小数点（如 0.50），千位分隔只能三位一组（如 1,234.50）"
        ),
        "amount_not_positive": gettext_lazy("金额必须大于 0"),
        "amount_too_large": gettext_lazy("金额过大：不能超过 ¥%(max)s"),
        "amount_precision": gettext_lazy("金额最多两位小数（元、角、分）"),
        "method_unknown": gettext_lazy(
            "“%(value)s”不是可用的方式，应为 现金、微信、支付宝、银行转账 或 校园统一支付平台"
        ),
        "note_too_long": gettext_lazy("备注最多 200 字"),
        "date_unknown": gettext_lazy("日期“%(value)s”无法识别，请写成 2020-11-20"),
        "date_future": gettext_lazy("日期 %(value)s 在未来"),
        "student_unknown": gettext_lazy("在你负责的学院中没有学号 %(no)s"),
        # post_payment's refusals of one row
        "platform_only": gettext_lazy("校园统一支付平台的缴费由平台自动通知入账，不能手工登记；请选择实际收款方式"),
        "key_reused": gettext_lazy("这个提交编号已用于另一笔记录，请刷新页面后重新填写"),
        "bad_paid_at": _paid_at,
        "overpaid": _overpaid,
        "role_forbidden": gettext_lazy("你的角色不能登记费用"),
        "out_of_scope": gettext_lazy("学号 %(no)s 不属于你负责的学院，不能为其登记费用"),
        # A refusal of post_payment this table does not know by code: say so rather than guess.
        "payment_refused": gettext_lazy("这笔缴费无法登记（%(refusal)s）"),
    },
    name="fees.import_messages",
    base=INTAKE,
)


def payment_error(row: int, column: str, exc):
    """A FeeError from post_payment or parse_amount as a row error: its code and params."""
    if exc.code in MESSAGES.templates:
        return MESSAGES.error(row, column, exc.code, **exc.params)
    return MESSAGES.error(row, column, "payment_refused", refusal=exc.code)


def import_summary(result) -> str:
    """A finished import in one line (the page's message, the command's output), plural per count."""
    created, replayed = result.created, result.replayed
    return _("导入完成：%(counts)s") % {
        "counts": clauses(
            ngettext("新登记 %(n)s 笔，共 %(total)s", "新登记 %(n)s 笔，共 %(total)s", created)
            % {"n": created, "total": money(result.total)},
            ngettext("已登记过的 %(n)s 笔未重复入账", "已登记过的 %(n)s 笔未重复入账", replayed) % {"n": replayed},
        )
    }
