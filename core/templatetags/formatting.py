"""Template side of core.formatting: {% load formatting %} then {{ amount|money }}."""

from django import template

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
register.filter("tel_href", formatting.tel_href)
register.filter("capital_amount", capital_amount)


@register.simple_tag
def colon() -> str:
    """The colon after a label in the reader's language: 学院：/ College: (never "College：")."""
    return formatting.colon()


register.filter("paren", formatting.paren)
register.filter("joined", formatting.joined)
