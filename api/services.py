"""Tokens: made and revoked by staff, checked on every request, throttled, and each use audited."""

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from core.locking import lock_row
from sessions_app.models import Campaign

from .errors import ApiError
from .models import ApiToken, Scope

TOKEN_TAG = "pc"
# last_used_at is a hint for staff ("is this token still in use?"), not a log: written at most
# once a minute per token, so a busy consumer does not add an UPDATE to every request.
LAST_USED_RESOLUTION_SECONDS = 60


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(
    *, actor: User, name: str, campaigns: Iterable[Campaign], scopes: Iterable[str], rate_per_minute: int = 120
) -> tuple[ApiToken, str]:
    """A new token and its key. The key is returned this once and never stored."""
    if not actor.is_academic_staff:
        raise ApiError.of("staff_only")
    scope_list = sorted(set(scopes))
    if any(s not in Scope.values for s in scope_list):
        raise ApiError.of("unknown_scope")
    campaign_list = list(campaigns)
    prefix = secrets.token_hex(4)
    key = f"{TOKEN_TAG}_{prefix}.{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name.strip(),
            prefix=prefix,
            key_hash=_hash(key),
            scopes=scope_list,
            rate_per_minute=rate_per_minute,
            created_by=actor,
        )
        token.campaigns.set(campaign_list)
        record_event(
            actor=actor,
            action="api.token_create",
            obj=token,
            data={
                "token_id": token.pk,
                "name": token.name,
                "prefix": prefix,
                "scopes": scope_list,
                "campaigns": sorted(c.code for c in campaign_list),
            },
        )
    return token, key


def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    """From now on the token is refused (401, code token_revoked). Revoking twice is refused."""
    if not actor.is_academic_staff:
        raise ApiError.of("staff_only", what="revoke")
    with transaction.atomic():
        locked = lock_row(ApiToken.objects.filter(pk=token.pk), required=True)
        if locked.revoked_at is not None:
            raise ApiError.of("already_revoked")
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            actor=actor,
            action="api.token_revoke",
            obj=locked,
            data={"token_id": locked.pk, "name": locked.name, "prefix": locked.prefix},
        )
    return locked


def authenticate(header: str) -> ApiToken:
    """The token named by an `Authorization: Bearer <key>` header, or ApiError 401."""
    scheme, _sep, key = (header or "").strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError.of("missing_token")
    tag, _sep, rest = key.partition("_")
    prefix = rest.partition(".")[0]
    token = None
    if tag == TOKEN_TAG and prefix:
        token = ApiToken.objects.filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        raise ApiError.of("invalid_token")
    if token.revoked_at is not None:
        raise ApiError.of("token_revoked")
    return token


def throttle(*, token: ApiToken, now: float | None = None) -> None:
    """At most token.rate_per_minute requests per clock minute; over it, 429 with Retry-After.

    A fixed window in the cache (Redis in production, shared by every worker): one add and one
    incr per request. With the cache down the request passes (core.cache is forgiving): an
    outage of Redis must not take the API down with it.
    """
    now = time.time() if now is None else now
    window = int(now // 60)
    key = f"api:rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.add(key, 1, timeout=120)
        count = 1
    if count and count > token.rate_per_minute:
        retry_after = max(1, math.ceil((window + 1) * 60 - now))
        raise ApiError.of("throttled", seconds=retry_after)


def record_use(
    *, token: ApiToken, endpoint: str, campaign: Campaign | None, rows: int, id_numbers: bool = False
) -> None:
    """One audit row per request that read data (why per request, not a daily count: a request
    that carried ID numbers hands sensitive personal information to another system, and PIPL
    asks who received what and when; a daily total could not say which campaign or whether ID
    numbers went out). A full sync of 20,000 students at 1,000 a page is 20 rows."""
    record_event(
        actor=None,
        action="api.read",
        campaign=campaign,
        obj=token,
        data={"token_id": token.pk, "endpoint": endpoint, "rows": rows, "id_numbers": id_numbers},
    )
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
