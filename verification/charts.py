"""Reads for the verification chart: captured and confirmed on CHSI per day over the campaign."""

import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions_app.models import Student

from .models import VerificationRecord


def _epoch(day: datetime.date) -> int:
    return int(timezone.make_aware(datetime.datetime.combine(day, datetime.time())).timestamp())


def verification_timeline(*, students: QuerySet[Student]) -> dict:
    """{"names": [captured, confirmed], "points": [[epoch, series, n]]}: two grouped queries."""
    records = VerificationRecord.objects.filter(is_active=True, student__in=students).order_by()
    captured = records.values("captured_on").annotate(n=Count("pk")).values_list("captured_on", "n")
    confirmed = (
        records.filter(confirmed_at__isnull=False)
        .annotate(day=TruncDate("confirmed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    points = [[_epoch(day), 0, n] for day, n in captured] + [[_epoch(day), 1, n] for day, n in confirmed]
    points.sort()
    return {"names": [_("已采集"), _("已确认")], "points": points}
