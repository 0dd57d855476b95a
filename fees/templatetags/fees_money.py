"""Money in words: an amount a college still owes, or has remitted in excess, never a bare negative."""

from decimal import Decimal

from django import template

from fees.glossary import TERMS

register = template.Library()


@register.inclusion_tag("fees/_outstanding.html")
def outstanding(amount, explain=False, unpaid=None):
    """What is left to remit: "¥51.00", "已交清", or "多交 ¥17.00" (with what to do, if explain).
    With `unpaid`, an amount owed says how much of it students have not paid yet (it is not in
    the college's hands)."""
    amount = Decimal(amount or 0)
    owed = max(amount, Decimal("0.00"))
    return {
        "owed": owed,
        "excess": max(-amount, Decimal("0.00")),
        "explain": explain,
        "unpaid": min(Decimal(unpaid or 0), owed),
    }


@register.inclusion_tag("fees/_difference.html")
def received_difference(amount):
    """Confirmed receipts against what was declared: "少收 ¥17.00", "多收 ¥2.00" or "无差额"."""
    amount = Decimal(amount or 0)
    return {"short": max(-amount, Decimal("0.00")), "over": max(amount, Decimal("0.00"))}


@register.inclusion_tag("fees/_term.html")
def term(key):
    """A column or row title from the glossary, with its definition on hover."""
    label, meaning = TERMS[key]
    return {"label": label, "meaning": meaning}


@register.inclusion_tag("fees/_glossary.html")
def glossary(*keys):
    """The definitions of the terms a page shows, below its figures."""
    return {"terms": [TERMS[key] for key in keys]}
