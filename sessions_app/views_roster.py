"""Staff page: upload a roster; its check job's page shows what it would change and confirms that very file."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.web import parse_pk
from intake.views import workbook_response
from jobs.views import confirm_check

from . import jobkinds
from .campaigns import default_campaign
from .models import Campaign
from .roster.counselors import create_counselor_accounts, names_without_account
from .roster.files import RosterFileError, human_size
from .roster.forms import RosterUploadForm

# Multipart framing on top of the file itself.
_BODY_MARGIN = 1024 * 1024
EXPIRED = _lazy("这次预览已失效（已导入、已取消或超过 2 小时）：请重新上传名单")


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
            try:
                # Checked within this request when small, by a worker when not: the same job page.
                job = jobkinds.start_check(
                    upload=form.cleaned_data["file"], campaign=form.cleaned_data["campaign"], user=request.user
                )
            except RosterFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("jobs:detail", job_id=job.pk)
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
def confirm_job(request, job_id):
    """Confirm what the check previewed: the import runs as a job of its own (inline for a small file)."""
    return confirm_check(request, job_id, flow=jobkinds.FLOW, expired=str(EXPIRED))


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
