"""The live capture-day dashboard for 教务处 and each coordinator (their colleges only)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from sessions_app.campaigns import current_campaign
from sessions_app.scope import visible_colleges

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


@require_GET
@role_required("coordinator")
def live_dashboard(request):
    campaign = current_campaign(request)
    figures = live_figures(campaign=campaign, colleges=visible_colleges(request.user))
    labels = _labels()
    for slot in figures["slots"]:
        slot["state_label"] = labels["states"][slot["state"]]  # for the first paint, and without JS
    return render(
        request,
        "sessions_app/live_dashboard.html",
        {
            "campaign": campaign,
            "figures": figures,
            "labels": labels,
            "data_url": reverse("sessions_app:live_data") + f"?campaign={campaign.code}",
        },
    )


@require_GET
@role_required("coordinator")
def live_data(request):
    campaign = current_campaign(request)
    return JsonResponse(live_figures(campaign=campaign, colleges=visible_colleges(request.user)))
