"""Request plumbing shared by every app's views: no app knowledge, so it sits at the bottom."""

from django.utils.http import url_has_allowed_host_and_scheme


def wants_json(request) -> bool:
    """The page's script asked (fetch with `Accept: application/json` or `X-Requested-With: fetch`)."""
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get("accept", "")


def next_url(request, default: str) -> str:
    """The `next` the form or link carries, if it stays on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
