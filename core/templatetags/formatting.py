"""Template side of core.formatting: {% load formatting %} then {{ amount|money }}."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from core import formatting
from core.capital_amounts import capital_amount

register = template.Library()

register.filter("money", formatting.money)
register.filter("date_long", formatting.date)
register.filter("date_iso", formatting.date_iso)
register.filter("date_short", formatting.date_short)
register.filter("date_weekday", formatting.date_weekday)
register.filter("datetime_long", formatting.datetime_long)
register.filter("datetime_day", formatting.datetime_day)
register.filter("datetime_short", formatting.datetime_short)
register.filter("time_of_day", formatting.time_of_day)
register.filter("tel_href", formatting.tel_href)


@register.filter("capital_amount")
def capital_amount_html(value: Decimal) -> str:
    """大写 is the Chinese written form of an amount on either language's page: marked as Chinese."""
    return format_html('<span lang="zh-Hans" class="capital-amount">{}</span>', capital_amount(value))


@register.simple_tag
def colon() -> str:
    """The colon after a label in the reader's language: 学院：/ College: (never "College：")."""
    return formatting.colon()


@register.filter("paren")
def paren(value: object) -> str:
    """An aside in the reader's parentheses; the value is escaped unless it is already safe HTML."""
    return format_html(" ({})" if formatting.punctuation("（") != "（" else "（{}）", value)


register.filter("joined", formatting.joined)


@register.simple_tag
def lparen() -> str:
    return formatting.punctuation("（")


@register.simple_tag
def rparen() -> str:
    return formatting.punctuation("）")


@register.simple_tag
def comma() -> str:
    return formatting.punctuation("，")


@register.simple_tag
def semicolon() -> str:
    return formatting.punctuation("；")
