"""The live capture-day dashboard for 教务处, each coordinator (their colleges only) and each desk
operator (their capture groups only)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from core.web import parse_pk
from sessions_app.campaigns import current_campaign
from sessions_app.scope import dashboard_groups, visible_colleges

from .dashboard import SlotState, live_figures


def _labels() -> dict:
    return {
        "states": {
            SlotState.UPCOMING: _("未开始"),
            SlotState.ON_TRACK: _("按时"),
            SlotState.OVERRUN: _("将超时"),
            SlotState.STALLED: _("近10分钟无人采集"),
            SlotState.LATE: _("已超时，仍有学生未采集"),
            SlotState.DONE: _("已完成"),
        },
        "per_minute": _("人/分"),
        "offline": _("连接中断，正在重试…"),
        "updated": _("更新于"),
        "cumulative": _("累计采集人数"),
    }


def _scope(request, campaign) -> dict:
    """live_figures' scope: capture groups for an operator (their own; one of them with ?group=)
    and for staff who ask for a group; a coordinator's colleges otherwise."""
    user, asked = request.user, request.GET.get("group")
    if not user.is_operator and asked is None:
        return {"colleges": visible_colleges(user)}
    groups = dashboard_groups(user, campaign)
    if asked is not None:
        pk = parse_pk(asked)
        groups = groups.filter(pk=pk) if pk is not None else groups.none()
        if not groups.exists():
            raise Http404(_("没有这个采集组，或你无权查看"))
    elif not groups.exists():
        raise PermissionDenied(_("你还没有被分配到本批次的采集组，请联系教务处"))
    return {"groups": groups}


@require_GET
@role_required("coordinator", "operator")
def live_dashboard(request):
    campaign = current_campaign(request)
    scope = _scope(request, campaign)
    figures = live_figures(campaign=campaign, **scope)
    labels = _labels()
    for slot in figures["slots"]:
        slot["state_label"] = labels["states"][slot["state"]]  # for the first paint, and without JS
    groups = list(scope["groups"].order_by("sort_order", "name")) if "groups" in scope else []
    params = {"campaign": campaign.code}
    if "group" in request.GET:
        params["group"] = groups[0].pk  # the one group asked for, checked by _scope
    return render(
        request,
        "sessions_app/live_dashboard.html",
        {
            "campaign": campaign,
            "figures": figures,
            "labels": labels,
            "groups": groups,
            "data_url": reverse("sessions_app:live_data") + "?" + urlencode(params),
        },
    )


@require_GET
@role_required("coordinator", "operator")
def live_data(request):
    campaign = current_campaign(request)
    return JsonResponse(live_figures(campaign=campaign, **_scope(request, campaign)))
