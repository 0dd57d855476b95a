"""Reads for the verification chart: captured and confirmed on CHSI per day over the campaign."""

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from core.charts import day_epoch, day_span, timeline
from sessions_app.models import Campaign, Student
from sessions_app.phases import capture_days, last_deadline

from .models import VerificationRecord


def verification_timeline(*, campaign: Campaign, students: QuerySet[Student]) -> dict:
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
    points = [[day_epoch(day), 0, n] for day, n in captured] + [[day_epoch(day), 1, n] for day, n in confirmed]
    points.sort()
    days = capture_days(campaign)
    span = day_span(days[0] if days else None, last_deadline(campaign, days=days), points)
    return timeline(names=[_("已采集"), _("已确认")], points=points, span=span)
