"""Request plumbing shared by every app's views: no app knowledge, so it sits at the bottom."""

from django.utils.http import url_has_allowed_host_and_scheme


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def wants_json(request) -> bool:
    """The page's script asked (fetch with `Accept: application/json` or `X-Requested-With: fetch`)."""
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get("accept", "")


def next_url(request, default: str) -> str:
    """The `next` the form or link carries, if it stays on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


_MAX_BIGINT = 2**63 - 1


def parse_pk(value) -> int | None:
    """An id from a URL or form, or None if no row could have it (PostgreSQL rejects out-of-range ints)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= _MAX_BIGINT else None
