"""Which campaign a request is about.

Several campaigns are alive at once (last year's retakes, this year's verification, next year's
preparation). A page is about, in this order: the campaign its URL names (`?campaign=CODE`), the
one the user picked in the header's switcher (kept in the session), else the one in progress
within the user's scope (`phases.PHASE_RANK`). Never "the newest": creating or cloning a
campaign changes nothing anyone else sees.
"""

import dataclasses
import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions_app.models import Campaign, Phase

from .phases import PHASE_RANK, campaign_phases, with_capture_span

CODE_MAX_LENGTH = Campaign._meta.get_field("code").max_length
SESSION_KEY = "campaign_choice"


def campaigns_for(user) -> QuerySet[Campaign]:
    """The campaigns the user's scope touches: staff every one; a coordinator those with their
    colleges' students or slots; a counselor those with their students; an operator those of
    their capture groups; a student their own."""
    qs = Campaign.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_academic_staff:
        return qs
    if user.is_coordinator:
        colleges = list(user.colleges.values_list("pk", flat=True))
        ids = (
            Campaign.objects.filter(
                Q(students__college_id__in=colleges) | Q(groups__slots__audiences__college_id__in=colleges)
            )
            .order_by()
            .values("pk")
        )
    elif user.is_counselor:
        ids = Campaign.objects.filter(students__counselor=user).order_by().values("pk")
    elif user.is_operator:
        ids = Campaign.objects.filter(groups__in=user.capture_groups.all()).order_by().values("pk")
    elif user.is_student:
        ids = Campaign.objects.filter(students__user=user).order_by().values("pk")
    else:
        return qs.none()
    return qs.filter(pk__in=ids)


@dataclasses.dataclass(frozen=True)
class CampaignChoice:
    campaign: Campaign
    phase: Phase


def ranked(campaigns: QuerySet[Campaign], *, today: datetime.date | None = None) -> list[CampaignChoice]:
    """The campaigns in the order a page would choose them: in progress first, closed last;
    within a phase the newer first. One query."""
    campaigns = sorted(with_capture_span(campaigns), key=lambda c: (c.created_at, c.pk), reverse=True)
    phases = campaign_phases(campaigns, today=today or timezone.localdate())
    choices = [CampaignChoice(c, phases[c.pk]) for c in campaigns]
    return sorted(choices, key=lambda choice: PHASE_RANK[choice.phase])


def choices_for(request, user) -> list[CampaignChoice]:
    """`ranked(campaigns_for(user))`, once per request: the page and the header's switcher share it."""
    cached = getattr(request, "_campaign_choices", None)
    if cached is None:
        cached = ranked(campaigns_for(user))
        if request is not None:
            request._campaign_choices = cached
    return cached


def default_campaign(user=None, *, today: datetime.date | None = None) -> Campaign | None:
    """The campaign in progress within the user's scope (every campaign for the server itself)."""
    scope = campaigns_for(user) if user is not None else Campaign.objects.all()
    choices = ranked(scope, today=today) or (ranked(Campaign.objects.all(), today=today) if user is not None else [])
    return choices[0].campaign if choices else None


def _valid_code(code: str) -> bool:
    return len(code) <= CODE_MAX_LENGTH and "\x00" not in code


def current_campaign(request=None, code: str | None = None) -> Campaign:
    """The campaign a page is about (see the module's docstring). A named campaign is shown to
    anyone (its rows are narrowed by `scope`, as on every page); a remembered or default one is
    one the user's scope touches."""
    user = getattr(request, "user", None) if request is not None else None
    code = code or (request.GET.get("campaign") if request is not None else None)
    if code is not None and not _valid_code(code):
        raise Http404(_("没有这个采集批次"))
    if code:
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise Http404(_("没有这个采集批次"))
        return campaign
    if user is None or not user.is_authenticated:
        campaign = default_campaign(None)
    else:
        choices = [c.campaign for c in choices_for(request, user)]
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        campaign = next((c for c in choices if c.pk == chosen), None) or (choices[0] if choices else None)
        # Nothing in the user's scope yet (a new coordinator): the campaign in progress.
        campaign = campaign or default_campaign(None)
    if campaign is None:
        raise Http404(_("没有这个采集批次"))
    return campaign


def choose_campaign(request, code: str) -> Campaign:
    """The switcher: remember the user's choice for every page until they choose again. Only a
    campaign the switcher offers (one the user's scope touches)."""
    campaign = next((c.campaign for c in choices_for(request, request.user) if c.campaign.code == code), None)
    if campaign is None:
        raise Http404(_("没有这个采集批次"))
    request.session[SESSION_KEY] = campaign.pk
    return campaign
