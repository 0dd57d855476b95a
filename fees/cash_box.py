"""The cash box check: what one person took at the fee desk on one day, per method.

A coordinator counts the cash box at the end of the day against this; it is what they posted,
not what their college holds (a colleague's entries are theirs to count). Payments, refunds and
the reversals of either, by the Shanghai day they were posted.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from sessions_app.models import Campaign

from .models import CASH_SIGN, Entry, Kind, Method, cash_delta

ZERO = Decimal("0.00")
_CASH_KINDS = tuple(CASH_SIGN)


@dataclass
class MethodLine:
    method: str
    label: str
    count: int = 0
    amount: Decimal = ZERO


@dataclass
class CashBox:
    day: datetime.date
    lines: list[MethodLine] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "lines": [
                {"label": line.label, "count": line.count, "amount": f"{line.amount:.2f}"} for line in self.lines
            ],
            "count": self.count,
            "total": f"{self.total:.2f}",
        }


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return start, start + datetime.timedelta(days=1)


def cash_entries(*, actor: User, campaign: Campaign, day: datetime.date) -> QuerySet[Entry]:
    start, end = _day_bounds(day)
    return Entry.objects.filter(
        Q(kind__in=_CASH_KINDS) | Q(kind=Kind.REVERSAL, reversed_kind__in=_CASH_KINDS),
        posted_by=actor,
        account__campaign=campaign,
        posted_at__gte=start,
        posted_at__lt=end,
    )


def cash_box(*, actor: User, campaign: Campaign, day: datetime.date | None = None) -> CashBox:
    """One grouped query, whatever the number of entries."""
    box = CashBox(day=day or timezone.localdate())
    lines: dict[str, MethodLine] = {}
    rows = (
        cash_entries(actor=actor, campaign=campaign, day=box.day)
        .order_by()
        .values("method", "kind", "reversed_kind")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    labels = dict(Method.choices)
    for row in rows:
        line = lines.setdefault(row["method"], MethodLine(row["method"], str(labels.get(row["method"], row["method"]))))
        line.count += row["n"]
        line.amount += cash_delta(row["kind"], row["reversed_kind"], row["total"])
    box.lines = [lines[value] for value, _label in Method.choices if value in lines]
    return box
