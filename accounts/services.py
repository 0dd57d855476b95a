"""Login throttling (student self-activation is sessions_app.activation: it reads the roster)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure


def login_blocked(*, username: str, ip_address: str, now=None) -> bool:
    since = (now or timezone.now()) - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    by_name = recent.filter(username=username.strip().lower()).count()
    by_address = recent.filter(ip_address=ip_address).count()
    # An address may serve a whole dormitory behind NAT: allow it more tries than one name.
    return by_name >= limit or by_address >= limit * 4


def record_login_failure(*, username: str, ip_address: str) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:150], ip_address=ip_address)


def clear_login_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.strip().lower()).delete()
