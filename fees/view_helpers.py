"""Request parsing shared by the fee pages."""

from core.web import filter_query, parse_pk
from sessions_app.campaigns import current_campaign
from sessions_app.scope import visible_colleges


def param(data, name: str, max_length: int = 64) -> str:
    """A text parameter safe to put in a query: PostgreSQL refuses NUL characters (a 500 otherwise)."""
    return (data.get(name) or "").replace("\x00", "").strip()[:max_length]


def campaign_from(request):
    """The campaign named by the form or the URL, else the current one."""
    code = param(request.POST, "campaign") or param(request.GET, "campaign")
    return current_campaign(request, code=code or None)


def campaign_query(campaign, **extra) -> str:
    return filter_query(campaign=campaign.code, **extra)


def college_filter(request, campaign):
    colleges = list(visible_colleges(request.user))
    college_id = parse_pk(request.GET.get("college"))
    if college_id not in {c.pk for c in colleges}:
        college_id = None
    return colleges, college_id
