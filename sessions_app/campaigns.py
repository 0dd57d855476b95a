"""Which campaign a request is about."""

from django.http import Http404
from django.utils.translation import gettext as _

from sessions_app.models import Campaign

CODE_MAX_LENGTH = Campaign._meta.get_field("code").max_length


def current_campaign(request=None, code: str | None = None) -> Campaign:
    code = code or (request.GET.get("campaign") if request is not None else None)
    if code is not None and (len(code) > CODE_MAX_LENGTH or "\x00" in code):
        raise Http404(_("没有这个采集批次"))
    qs = Campaign.objects.all()
    if code:
        campaign = qs.filter(code=code).first()
    else:
        campaign = qs.filter(is_active=True).order_by("-created_at").first() or qs.order_by("-created_at").first()
    if campaign is None:
        raise Http404(_("没有这个采集批次"))
    return campaign
