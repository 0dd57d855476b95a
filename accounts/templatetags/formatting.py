"""Template side of accounts.formatting: {% load formatting %} then {{ amount|money }}."""

from django import template

from accounts import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("date_long", formatting.date)
register.filter("date_iso", formatting.date_iso)
register.filter("datetime_short", formatting.datetime_short)
