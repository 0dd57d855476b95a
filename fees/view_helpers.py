"""Request parsing shared by the fee pages."""

from django.utils.http import urlencode

from accounts.web import parse_pk
from sessions_app.campaigns import current_campaign
from sessions_app.scope import visible_colleges

PAGE_SIZE = 100


def param(data, name: str, max_length: int = 64) -> str:
    """A text parameter safe to put in a query: PostgreSQL refuses NUL characters (a 500 otherwise)."""
    return (data.get(name) or "").replace("\x00", "").strip()[:max_length]


def campaign_from(request):
    """The campaign named by the form or the URL, else the current one."""
    code = param(request.POST, "campaign") or param(request.GET, "campaign")
    return current_campaign(None, code=code or None)


def wants_json(request) -> bool:
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get("accept", "")


def campaign_query(campaign, **extra) -> str:
    return urlencode({"campaign": campaign.code, **{k: v for k, v in extra.items() if v not in (None, "")}})


def back_to(request, fallback: str) -> str:
    """Return to the page the form came from, if it is one of ours."""
    target = request.POST.get("next") or ""
    ok = target.startswith("/fees/") and target.isprintable() and len(target) < 2000
    return target if ok else fallback


def college_filter(request, campaign):
    colleges = list(visible_colleges(request.user))
    college_id = parse_pk(request.GET.get("college"))
    if college_id not in {c.pk for c in colleges}:
        college_id = None
    return colleges, college_id
