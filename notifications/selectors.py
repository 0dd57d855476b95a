from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User

from .messages import registered_codes
from .models import Delivery, DeliveryStatus, Notification, SmsTemplate


def inbox_for(user: User | AnonymousUser) -> QuerySet[Notification]:
    """A user's inbox: messages to the account, and to their Student rows (sent before activation)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return inbox_for_user_id(user.pk)


def inbox_for_user_id(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(Q(user_id=user_id) | Q(student__user_id=user_id), in_inbox=True)


def _unread(user_id: Any) -> QuerySet[Notification]:
    return inbox_for_user_id(user_id).filter(read_at__isnull=True)


def unread_count_for_user_id(user_id: int | None) -> int:
    if not user_id:
        return 0
    return _unread(user_id).count()


def unread_count_of(user_id: Any) -> Coalesce:
    """unread_count_for_user_id as an expression over `user_id` (OuterRef("user_id")): a scalar
    COUNT subquery, grouped by a constant so that it has no GROUP BY."""
    counted = _unread(user_id).order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def sms_template_coverage(provider: str) -> list[tuple[str, SmsTemplate | None]]:
    """Every registered message code with its active template for `provider` (None: no SMS of that
    kind can be sent through it). Codes of the test suite ("test.") are left out."""
    templates = {t.code: t for t in SmsTemplate.objects.filter(provider=provider, active=True)}
    return [(code, templates.get(code)) for code in registered_codes() if not code.startswith("test.")]


def unknown_deliveries() -> QuerySet[Delivery]:
    """Deliveries whose send may have happened before a crash: staff check and settle them."""
    return (
        Delivery.objects.filter(status=DeliveryStatus.UNKNOWN)
        .select_related("notification")
        .order_by("claimed_at", "id")
    )
