"""The one export page: a button that starts the report as a background job."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.registries import exporters
from jobs.models import ACTIVE_STATUSES, Job
from sessions_app.campaigns import current_campaign

from .export_jobs import KIND, export_key, start_export


@login_required
def export(request, name: str):
    exporter = exporters().get(name)
    if exporter is None:
        raise Http404(_("没有这个报表"))
    if not exporter.allowed(request.user):
        raise PermissionDenied(_("你的角色不能导出这个报表"))
    campaign = current_campaign(request)
    if request.method == "POST":
        job = start_export(exporter=exporter, campaign=campaign, user=request.user)
        return redirect("jobs:detail", job_id=job.pk)
    key = export_key(name=name, campaign=campaign, user=request.user)
    recent = Job.objects.filter(kind=KIND, key=key).order_by("-created_at", "-id").first()
    return render(
        request,
        "jobs/export.html",
        {
            "exporter": exporter,
            "campaign": campaign,
            "recent": recent,
            "running": recent is not None and recent.status in ACTIVE_STATUSES,
        },
    )
