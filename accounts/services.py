"""Login throttling (student self-activation is sessions_app.activation: it reads the roster)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.redact import identifier_hash, masked_identifier, normalize_identifier

from .models import LoginFailure


def _identifier(username: str, purpose: str) -> tuple[str, str]:
    normalized = normalize_identifier(username)[:150]
    return identifier_hash(f"{purpose}:{normalized}"), masked_identifier(normalized)[:64]


def login_blocked(*, username: str, ip_address: str, purpose: str = "login", now: datetime | None = None) -> bool:
    """Too many recent failures for this account from this address, or for this account at all.

    Not per address alone: a whole dormitory behind one campus NAT address must not be locked out
    by a few neighbours' typos. The address-wide ceiling only stops one machine spraying guesses
    over every account, far above what a NAT address sees.
    """
    since = (now or timezone.now()) - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    identifier, _shown = _identifier(username, purpose)
    by_account = recent.filter(identifier=identifier)
    if by_account.filter(ip_address=ip_address).count() >= settings.LOGIN_THROTTLE_MAX_FAILURES:
        return True
    if by_account.count() >= settings.LOGIN_THROTTLE_MAX_FAILURES_PER_ACCOUNT:
        return True
    per_address: int = settings.LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS
    return recent.filter(ip_address=ip_address).count() >= per_address


def record_login_failure(*, username: str, ip_address: str, purpose: str = "login") -> None:
    identifier, shown = _identifier(username, purpose)
    LoginFailure.objects.create(identifier=identifier, shown=shown, ip_address=ip_address)


def clear_login_failures(*, username: str, purpose: str = "login") -> None:
    identifier, _shown = _identifier(username, purpose)
    LoginFailure.objects.filter(identifier=identifier).delete()
