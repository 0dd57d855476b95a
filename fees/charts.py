"""Reads for the fee chart: money charged and cash collected per day over the campaign."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from core.charts import day_epoch, day_span, timeline
from sessions_app.models import Campaign, College
from sessions_app.phases import capture_days, last_deadline

from .models import Entry, Kind, balance_delta, cash_delta


def fee_timeline(*, campaign: Campaign, colleges: QuerySet[College]) -> dict:
    """`core.charts.timeline` of charged and collected, in fen (scale 100), one grouped query.

    Charged is what captures made due (charges and their reversals); collected is the cash
    the colleges hold (payments less refunds), the same rule as the reconciliation.
    """
    rows = (
        Entry.objects.filter(account__campaign=campaign, college__in=colleges)
        .annotate(day=TruncDate("posted_at"))
        .order_by()
        .values("day", "kind", "reversed_kind")
        .annotate(total=Sum("amount"))
    )
    charged: dict[datetime.date, Decimal] = defaultdict(Decimal)
    collected: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for row in rows:
        if Kind.CHARGE in (row["kind"], row["reversed_kind"]):
            charged[row["day"]] += balance_delta(row["kind"], row["reversed_kind"], row["total"])
        collected[row["day"]] += cash_delta(row["kind"], row["reversed_kind"], row["total"])
    points = []
    for day in sorted(set(charged) | set(collected)):
        # Whole fen on the wire: the chart sums them exactly and divides by `scale` only to draw.
        points.append([day_epoch(day), 0, _fen(charged[day])])
        points.append([day_epoch(day), 1, _fen(collected[day])])
    days = capture_days(campaign)
    return timeline(
        names=[_("应收（元）"), _("已收（元）")],
        points=points,
        span=day_span(days[0] if days else None, last_deadline(campaign, days=days), points),
        scale=FEN_PER_YUAN,
    )


FEN_PER_YUAN = 100


def _fen(amount: Decimal) -> int:
    return int((amount * FEN_PER_YUAN).to_integral_value())
