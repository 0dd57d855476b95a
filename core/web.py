"""Request plumbing shared by every app's views: no app knowledge, so it sits at the bottom."""

from typing import TYPE_CHECKING, TypeVar

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

if TYPE_CHECKING:
    # The stubs' name for what Paginator takes: a queryset, a list, anything sized and sliceable.
    from django.core.paginator import _SupportsPagination

_Row = TypeVar("_Row")


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def wants_json(request: HttpRequest) -> bool:
    """The page's script asked (fetch with `Accept: application/json` or `X-Requested-With: fetch`)."""
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get("accept", "")


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` the form or link carries, if it stays on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A control character (NUL, newline) in a Location header is a 500, not a redirect. Only a
    # path on this site: `redirect("%00")` would take a bare word for a URL name and fail to
    # reverse it (a 500 after the payment was posted, issue 25).
    if not target.isprintable() or len(target) > 2000 or not target.startswith("/"):
        return default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


_MAX_BIGINT = 2**63 - 1


def parse_pk(value: str | int | None) -> int | None:
    """An id from a URL or form, or None if no row could have it (PostgreSQL rejects out-of-range ints)."""
    if value is None:
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= _MAX_BIGINT else None


# List page sizes, written once: a page a person reads (students of a class, an inbox), a table
# staff scan (ledger, reports), and a list printed or worked through in one go (remittance items).
PAGE_SIZE = 50
WIDE_PAGE_SIZE = 100
LONG_PAGE_SIZE = 200


def paginate(request: HttpRequest, rows: "_SupportsPagination[_Row]", *, per_page: int = PAGE_SIZE) -> Page[_Row]:
    """The page `?page=` asks for; a missing, malformed or too large number gives a real page."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for the links of templates/_pagination.html."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def filter_query(**params: str | int | None) -> str:
    """A query string of the filters that are set (None and "" are left out)."""
    return urlencode({name: value for name, value in params.items() if value is not None and value != ""})
