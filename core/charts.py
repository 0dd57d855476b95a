"""The one shape every cumulative chart is sent in, drawn by static/js/charts.js.

`{"names", "points": [[epoch, series, n]], "scale", "span": [from, to] | None, "labels"}`. The
span is the campaign's real dates, so two points do not stretch the axis over years; the labels
are in the reader's language (uPlot's own are English); the y axis always starts at zero.
"""

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _


def day_epoch(day: datetime.date) -> int:
    """Midnight of a Shanghai day, in epoch seconds."""
    return int(timezone.make_aware(datetime.datetime.combine(day, datetime.time())).timestamp())


def day_span(start: datetime.date | None, end: datetime.date | None, points: list[list[int]]) -> list[int] | None:
    """From `start` to the end of `end`, widened to any point outside it (a payment made before
    the first capture day still shows)."""
    xs = [p[0] for p in points]
    low = [day_epoch(start)] if start else []
    high = [day_epoch(end + datetime.timedelta(days=1))] if end else []
    if not (low or xs) or not (high or xs):
        return None
    return [min(low + xs), max(high + xs)]


def timeline(
    *, names: list[str], points: list[list[int]], span: list[int] | None = None, scale: int | None = None
) -> dict[str, Any]:
    return {
        "names": names,
        "points": points,
        "scale": scale,
        "span": span,
        "labels": {"x": _("日期"), "empty": _("还没有数据：有人采集或缴费后，这里会按日期画出累计数。")},
    }
