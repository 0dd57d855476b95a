"""The money words, one meaning each, named the same on every page (coordinator, staff, slip).

A coordinator who read 待上交 3145.00, 未上交 ¥5185.00 and 本次可上交 ¥3179.00 side by side could
not tell which to bring to 教务处. Every fee page now uses these terms and only these, each with
its one-line definition shown below the figures (a phone has no hover).
"""

from django.utils.translation import gettext_lazy as _

TERMS = {
    "expected": (_("应收"), _("已采集人数 × 每人费用")),
    "collected": (_("已收"), _("学生已缴的钱，扣除退款；含学生在缴费平台直接缴给教务处的")),
    "unpaid": (_("未收"), _("已采集的学生还没缴的钱：应收 − 减免 − 已收")),
    "remitted": (_("已上交"), _("学院交给教务处的上交单合计，不含已撤回的")),
    "remittable": (_("可上交"), _("学院手中的钱：已收 − 平台直缴 − 已上交")),
    "difference": (_("差额"), _("教务处确认的实收 − 对应上交单的金额；负数为少收")),
}
