"""A job's page (survives a reload: it is the job's own URL), its polled status, its file."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from core.web import parse_pk

from . import imports, selectors
from .models import Job


def confirm_check(request, job_id, *, flow, expired: str):
    """An import page's "confirm": start the import of what the user's own check job previewed.

    `flow` is the import's jobs.imports.ImportFlow. When the preview can no longer be imported
    (already imported, cancelled, its file expired) the user is sent back to upload, with `expired`.
    """
    pk = parse_pk(job_id)
    check = Job.objects.filter(pk=pk, owner=request.user, kind=flow.check).first() if pk else None
    if check is None:
        raise Http404
    job = flow.confirm(check=check, user=request.user)
    if job is None:
        messages.error(request, expired)
        return redirect(flow.upload_url)
    return redirect("jobs:detail", job_id=job.pk)


@require_POST
@login_required
def cancel_import(request, job_id):
    """A check's "cancel": its staged file is removed at once; nothing was imported."""
    pk = parse_pk(job_id)
    check = Job.objects.filter(pk=pk, owner=request.user).first() if pk else None
    flow = imports.flow_of(check) if check is not None else None
    if flow is None:
        raise Http404
    flow.cancel(check=check)
    messages.info(request, _("已取消，未导入任何数据"))
    return redirect(flow.upload_url)


def _job_or_404(request, job_id) -> Job:
    pk = parse_pk(job_id)
    job = selectors.visible_jobs(request.user).filter(pk=pk).first() if pk is not None else None
    if job is None:
        raise Http404(_("没有这个任务，或你无权查看"))
    return job


@require_GET
@login_required
def job_detail(request, job_id: int):
    job = _job_or_404(request, job_id)
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "title": selectors.kind_title(job),
            "failure": selectors.failure_message(job),
            "interrupted": selectors.interruption_note(job),
            "errors": selectors.error_lines(job, limit=selectors.ERRORS_SHOWN),
            "error_count": len(job.errors),
            "errors_hidden": max(0, len(job.errors) - selectors.ERRORS_SHOWN),
            "counts": selectors.count_lines(job),
            "follow_up": selectors.follow_up(job, request.user),
            "file_label": selectors.file_label(job) if job.file else "",
            "may_download": selectors.may_download(job, request.user),
            "file_expired_hours": selectors.file_expired_hours(job),
            "result": selectors.result_block(job),
            "labels": {"failed": _("连接中断，正在重试…")},
        },
    )


@require_GET
@login_required
def job_status(request, job_id: int):
    job = _job_or_404(request, job_id)
    file_url = reverse("jobs:file", args=[job.pk]) if selectors.may_download(job, request.user) else ""
    return JsonResponse(selectors.status_payload(job, file_url=file_url))


@require_GET
@login_required
def job_file(request, job_id: int):
    job = _job_or_404(request, job_id)
    if not job.file:
        raise Http404(_("这个任务没有可下载的文件"))
    if not selectors.may_download(job, request.user):
        raise PermissionDenied(_("这个文件含完整身份证号：只有发起人和有权查看完整身份证号的教务处人员可以下载"))
    built = selectors.download(job)
    name = built[0] if built is not None else job.file_name or job.file.name
    # Every download is on the audit trail: who took which file, whose job, with whole ID numbers or not.
    record_event(
        actor=request.user,
        action="job.file_download",
        obj=job,
        data={
            "job": job.pk,
            "kind": job.kind,
            "file": name,
            "owner": job.owner_id,
            "full_ids": selectors.holds_full_ids(job),
        },
    )
    if built is not None:
        return FileResponse(io.BytesIO(built[1]()), as_attachment=True, filename=name)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)


@require_GET
@login_required
def job_list(request):
    jobs = selectors.recent_jobs(request.user)
    rows = [(job, selectors.kind_title(job)) for job in jobs]
    return render(request, "jobs/list.html", {"rows": rows})
