"""Staff page: upload a roster, see what it would change, then confirm that very file."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.web import parse_pk
from intake.views import stage_errors, staged_errors_response, workbook_response
from jobs.views import confirm_check

from . import jobkinds
from .campaigns import default_campaign
from .models import Campaign
from .roster import uploads
from .roster.counselors import create_counselor_accounts, names_without_account
from .roster.files import RosterFileError, human_size
from .roster.forms import RosterUploadForm
from .roster.services import import_roster

SESSION_KEY = "roster_pending"
ERRORS_SHOWN = 1000
PENDING_KEPT = 5
# Multipart framing on top of the file itself.
_BODY_MARGIN = 1024 * 1024


def _pending(request) -> dict:
    pending = request.session.get(SESSION_KEY)
    return pending if isinstance(pending, dict) else {}


def _preview(request, *, report, campaign, filename, token=None, status=200):
    error_token = stage_errors(request, report.table, report.errors, kind="roster_errors")
    context = {
        "error_token": error_token,
        "report": report,
        "campaign": campaign,
        "filename": filename,
        "token": token,
        "errors": report.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(report.errors) - ERRORS_SHOWN),
    }
    return render(request, "sessions_app/roster_preview.html", context, status=status)


@staff_required
def upload(request):
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.ROSTER_UPLOAD_MAX_BYTES + _BODY_MARGIN:
            # Refuse before Django reads (and spools to disk) an oversized body.
            error = _("文件超过了 %(limit)s 的上限：请只保留名单所在的工作表后再上传") % {
                "limit": human_size(settings.ROSTER_UPLOAD_MAX_BYTES)
            }
            context = {"form": RosterUploadForm(), "upload_error": error}
            return render(request, "sessions_app/roster_upload.html", context, status=400)
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            campaign = form.cleaned_data["campaign"]
            upload = form.cleaned_data["file"]
            filename = upload.name[:200]
            staged = jobkinds.stage(upload)
            token = staged.token
            try:
                if jobkinds.in_background(staged):
                    # Hundreds of rows and more: checked by a worker, the page follows its progress.
                    job = jobkinds.start_check(staged=staged, campaign=campaign, user=request.user)
                    return redirect("jobs:detail", job_id=job.pk)
                report = import_roster(
                    campaign=campaign,
                    source=uploads.path_for(token),
                    actor=request.user,
                    dry_run=True,
                    filename=filename,
                )
            except RosterFileError as exc:
                uploads.discard(token)
                form.add_error("file", str(exc))
            else:
                if not report.ok:
                    uploads.discard(token)
                    return _preview(request, report=report, campaign=campaign, filename=filename)
                pending = _pending(request)
                pending[token] = {"campaign_id": campaign.pk, "filename": filename}
                # Previews opened in other tabs stay confirmable, but not without limit.
                for stale in list(pending)[:-PENDING_KEPT]:
                    pending.pop(stale)
                    uploads.discard(stale)
                request.session[SESSION_KEY] = pending
                return _preview(request, report=report, campaign=campaign, filename=filename, token=token)
        return render(request, "sessions_app/roster_upload.html", {"form": form}, status=400)
    initial = {}
    wanted = request.GET.get("campaign") or ""
    usable = wanted and len(wanted) <= 32 and "\x00" not in wanted
    active = Campaign.objects.filter(code=wanted).first() if usable else None
    active = active or default_campaign(request.user)
    if active is not None:
        initial["campaign"] = active.pk
    form = RosterUploadForm(initial=initial)
    return render(request, "sessions_app/roster_upload.html", {"form": form})


@staff_required
@require_POST
def confirm(request):
    token = request.POST.get("token", "")
    pending = _pending(request)
    entry = pending.pop(token, None) if isinstance(token, str) else None
    request.session[SESSION_KEY] = pending
    path = uploads.path_for(token) if entry else None
    campaign = Campaign.objects.filter(pk=entry.get("campaign_id")).first() if path else None
    if campaign is None:
        uploads.discard(token)
        messages.error(request, _("这次预览已失效（已导入、已取消或超过 2 小时）：请重新上传名单"))
        return redirect("roster:upload")
    filename = entry.get("filename", "")
    try:
        report = import_roster(campaign=campaign, source=path, actor=request.user, filename=filename)
    except RosterFileError as exc:
        messages.error(request, str(exc))
        return redirect("roster:upload")
    finally:
        uploads.discard(token)
    if not report.ok:
        # The roster was valid at preview time; someone changed the campaign's students since.
        return _preview(request, report=report, campaign=campaign, filename=filename, status=409)
    messages.success(
        request,
        _("已导入“%(file)s”到%(campaign)s：%(counts)s")
        % {"file": filename, "campaign": campaign.name, "counts": report.counts_text()},
    )
    return redirect("roster:upload")


@staff_required
@require_POST
def confirm_job(request, job_id):
    """Confirm what a background check previewed: the import runs as a job of its own."""
    return confirm_check(
        request,
        job_id,
        kind=jobkinds.CHECK,
        start=jobkinds.start_import,
        expired=_("这次预览已失效（已导入、已取消或超过 2 小时）：请重新上传名单"),
        upload_url="roster:upload",
    )


@staff_required
@require_POST
def cancel(request):
    token = request.POST.get("token", "")
    pending = _pending(request)
    if isinstance(token, str) and pending.pop(token, None) is not None:
        uploads.discard(token)
    request.session[SESSION_KEY] = pending
    messages.info(request, _("已取消，未导入任何数据"))
    return redirect("roster:upload")


@staff_required
def template(request):
    from intake.workbooks import template_workbook

    from .roster.columns import VOCABULARY

    notes = [
        _("身份证号、学号、手机号请保持文本格式（模板已设好），否则 Excel 会丢失末尾几位"),
        _("性别可写 男/女、1/2 或 M/F；层次可写 本科、专科、研究生（硕士、博士）"),
        _("辅导员还没有账号也可以导入：导入后在“名单中没有账号的辅导员”页面一次创建"),
    ]
    return workbook_response(template_workbook(VOCABULARY, title=_("学生名单"), notes=notes), "学生名单模板.xlsx")


@staff_required
def errors(request, token):
    return staged_errors_response(request, token, kind="roster_errors", filename="名单错误行.xlsx")


@never_cache  # its answer shows initial passwords: no browser, proxy or shared PC may keep a copy
@staff_required
def counselors(request):
    """Names rosters gave for counselors who have no account; POST creates the chosen ones."""
    created = []
    if request.method == "POST":
        # Each ticked box is one (college, name) staff confirmed: "college id:name".
        pairs = []
        for value in request.POST.getlist("name")[:500]:
            college, _sep, name = value.partition(":")
            college_id = parse_pk(college)
            if college_id is not None and name.strip():
                pairs.append((college_id, name))
        created = create_counselor_accounts(names=pairs, actor=request.user)
        if created:
            messages.success(
                request,
                ngettext("已创建 %(n)s 个辅导员账号，学生已关联", "已创建 %(n)s 个辅导员账号，学生已关联", len(created))
                % {"n": len(created)},
            )
        else:
            messages.info(request, _("没有需要创建的账号"))
    context = {"names": names_without_account(), "created": created}
    return render(request, "sessions_app/roster_counselors.html", context)
