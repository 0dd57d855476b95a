"""The words of the money parser's refusals (fees.money.AmountError codes), made from their params.

Apart from fees.money (which needs fees.models) so that the payment callback's words, which
fees.models renders, can pass them on.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.words import Words


def _invalid(params) -> str:
    if params.get("value"):
        return _("金额“%(value)s”不是有效的数字") % {"value": params["value"]}
    return _("金额不是有效的数字")


WORDS = Words(
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
    name="fees.money",
)
