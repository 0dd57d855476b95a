"""The words of every payment import problem, built from its code and params when shown.

The import keeps (row, column, code, params); its page, the error workbook and a background
job's page put them into words here, in the reader's language.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import clauses, money
from intake.errors import Messages
from intake.messages import INTAKE

from .refusals import WORDS as RULES  # the fee rules' words (amounts, posting a payment)

MESSAGES = Messages(
    {
        "student_no_empty": gettext_lazy("学号为空"),
        # the file as a whole (the intake's own refusals come from INTAKE)
        # max is payment_import.MAX_ROWS (50,000): never one, so no plural forms
        "too_many_rows": gettext_lazy("文件超过 %(max)s 行，请分批导入"),
        "no_rows": gettext_lazy("文件中没有缴费记录"),
        "method_unknown": gettext_lazy(
            "“%(value)s”不是可用的方式，应为 现金、微信、支付宝、银行转账 或 校园统一支付平台"
        ),
        "note_too_long": gettext_lazy("备注最多 200 字"),
        "date_unknown": gettext_lazy("日期“%(value)s”无法识别，请写成 2020-11-20"),
        "date_future": gettext_lazy("日期 %(value)s 在未来"),
        "student_unknown": gettext_lazy("在你负责的学院中没有学号 %(no)s"),
        # A refusal of post_payment this table does not know by code: say so rather than guess.
        "payment_refused": gettext_lazy("这笔缴费无法登记（%(refusal)s）"),
    },
    name="fees.import_messages",
    # post_payment's refusals of one row and the amount parser's come from RULES
    base=(INTAKE, RULES),
)


def payment_error(row: int, column: str, exc):
    """A FeeError from post_payment or parse_amount as a row error: its code and params."""
    if exc.code in MESSAGES.templates:
        return MESSAGES.error(row, column, exc.code, **exc.params)
    return MESSAGES.error(row, column, "payment_refused", refusal=exc.code)


def payment_counts(*, created: int, total, replayed: int) -> str:
    """'新登记 2 笔，共 ¥27.50，已登记过的 0 笔未重复入账', plural per count (a summary, a confirm button)."""
    return clauses(
        ngettext("新登记 %(n)s 笔，共 %(total)s", "新登记 %(n)s 笔，共 %(total)s", created)
        % {"n": created, "total": money(total)},
        ngettext("已登记过的 %(n)s 笔未重复入账", "已登记过的 %(n)s 笔未重复入账", replayed) % {"n": replayed},
    )


def import_summary(result) -> str:
    """A finished import in one line (the command's output), plural per count."""
    return _("导入完成：%(counts)s") % {
        "counts": payment_counts(created=result.created, total=result.total, replayed=result.replayed)
    }
