"""Money in words: an amount a college still owes, or has remitted in excess, never a bare negative."""

from decimal import Decimal

from django import template

register = template.Library()


@register.inclusion_tag("fees/_outstanding.html")
def outstanding(amount, explain=False):
    """What is left to remit: "¥51.00", "已交清", or "多交 ¥17.00" (with what to do, if explain)."""
    amount = Decimal(amount or 0)
    return {"owed": max(amount, Decimal("0.00")), "excess": max(-amount, Decimal("0.00")), "explain": explain}


@register.inclusion_tag("fees/_difference.html")
def received_difference(amount):
    """Confirmed receipts against what was declared: "少收 ¥17.00", "多收 ¥2.00" or "无差额"."""
    amount = Decimal(amount or 0)
    return {"short": max(-amount, Decimal("0.00")), "over": max(amount, Decimal("0.00"))}
