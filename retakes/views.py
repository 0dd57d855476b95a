import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from core.web import LONG_PAGE_SIZE, filter_query, paginate, parse_pk
from sessions_app.campaigns import current_campaign
from sessions_app.scope import student_profile, visible_colleges

from . import instructions, selectors, services
from .forms import CancelForm, PhotoForm, RequestForm, ReviewForm
from .models import Channel, CheckStatus, Status
from .photo_check import check_photo
from .photo_check.config import load_config
from .uploads import declared_too_large, install_limit, upload_limit


def _require_retakes_user(user) -> None:
    if not selectors.can_use_retakes(user):
        raise PermissionDenied(_("你的角色不能办理补拍"))


def _limit_mb() -> str:
    return f"{upload_limit() / 1024 / 1024:.0f}"


def _upload_context() -> dict:
    return {"upload_limit_mb": _limit_mb(), "upload_limit_bytes": upload_limit(), "photo_config": load_config()}


# --- pages ----------------------------------------------------------------------------


@login_required
def index(request):
    _require_retakes_user(request.user)
    if request.user.is_student:
        return _student_index(request)
    return _request_list(request)


def _student_index(request):
    profile = student_profile(request.user)
    requests = selectors.student_requests(profile) if profile else []
    open_request = next((r for r in requests if r.is_open and r.campaign_id == profile.campaign_id), None)
    return render(
        request,
        "retakes/student_index.html",
        {"student": profile, "open_request": open_request, "requests": requests, **_upload_context()},
    )


def _request_list(request):
    user = request.user
    campaign = current_campaign(request)
    status = request.GET.get("status", "")
    college_id = parse_pk(request.GET.get("college"))
    query = (request.GET.get("q") or "").strip()[:64]
    qs = selectors.request_list(user, campaign, status=status, college_id=college_id, query=query)
    page = paginate(request, qs, per_page=LONG_PAGE_SIZE)
    counts = selectors.status_counts(user, campaign)
    return render(
        request,
        "retakes/list.html",
        {
            "campaign": campaign,
            "page": page,
            "status": status,
            "college_id": college_id,
            "q": query,
            "query": filter_query(campaign=campaign.code, status=status, college=college_id, q=query),
            "colleges": list(visible_colleges(user)) if user.is_academic_staff else [],
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "open_count": sum(n for s, n in counts.items() if s not in (Status.DONE, Status.CANCELLED)),
        },
    )


@login_required
def new_request(request):
    user = request.user
    _require_retakes_user(user)
    for_student = user.is_student
    profile = student_profile(user) if for_student else None
    if for_student and profile is None:
        messages.error(request, _("你的账号没有关联到毕业生名单，请联系辅导员"))
        return redirect("retakes:index")
    campaign = profile.campaign if for_student else current_campaign(request)
    form = RequestForm(request.POST or None, for_student=for_student)
    if request.method == "POST" and form.is_valid():
        student = profile or selectors.find_visible_student(user, campaign, form.cleaned_data["student_no"])
        if student is None:
            form.add_error("student_no", _("在你可以办理的学生中没有这个学号"))
        else:
            try:
                retake = services.create_request(
                    student=student,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    reason_detail=form.cleaned_data.get("reason_detail", ""),
                    channel=form.cleaned_data["channel"],
                    planned_date=form.cleaned_data.get("planned_date"),
                    note=form.cleaned_data.get("note", ""),
                )
            except services.RetakeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("补拍申请已提交，请按下方说明办理"))
                return redirect("retakes:detail", pk=retake.pk)
    by_channel = [instructions.channel_instructions(channel=value, campaign=campaign) for value in Channel.values]
    return render(
        request,
        "retakes/request_form.html",
        {"form": form, "campaign": campaign, "student": profile, "instructions": by_channel},
    )


@login_required
def detail(request, pk):
    user = request.user
    _require_retakes_user(user)
    retake = selectors.get_visible_request_or_404(user, pk)
    photos = list(retake.photos.select_related("uploaded_by", "reviewed_by"))
    events = list(retake.events.select_related("actor"))
    is_handler = user.is_academic_staff or user.is_counselor
    return render(
        request,
        "retakes/detail.html",
        {
            "retake": retake,
            "student": retake.student,
            "photos": photos,
            "events": events,
            "instructions": instructions.channel_instructions(channel=retake.channel, campaign=retake.campaign),
            "can_upload": services.can_transition(retake.status, Status.PHOTO_SUBMITTED),
            "can_review": user.is_academic_staff and retake.status == Status.CHECKED,
            "can_record_paper": is_handler
            and retake.status != Status.CANCELLED
            and retake.paper_photo_received_at is None,
            "can_undo_paper": retake.paper_photo_received_at is not None
            and (user.is_academic_staff or (user.is_counselor and retake.paper_photo_received_by_id == user.pk)),
            "can_cancel": services.can_transition(retake.status, Status.CANCELLED),
            "photo_form": PhotoForm(),
            "review_form": ReviewForm(),
            "cancel_form": CancelForm(),
            "current_failed": retake.current_photo is not None
            and retake.current_photo.check_status in (CheckStatus.FAILED, CheckStatus.ERROR),
            **_upload_context(),
        },
    )


# --- uploads --------------------------------------------------------------------------


def _too_large_message() -> str:
    return _("文件太大：上传上限为 %(max)s MB，标准照片一般在 2 MB 以内，请压缩后重新上传") % {"max": _limit_mb()}


def _too_large_json():
    return JsonResponse({"error": _too_large_message()}, status=413)


def _too_large_back_to_request(request, pk):
    """An oversized photo leads back to its own request page, which says why (the file was not read)."""
    messages.error(request, _("照片没有保存：%(reason)s") % {"reason": _too_large_message()})
    return redirect("retakes:detail", pk=pk)


@csrf_exempt
@login_required
@require_POST
def upload_photo(request, pk):
    if declared_too_large(request):
        return _too_large_back_to_request(request, pk)
    limiter = install_limit(request)
    return _upload_photo(request, pk, limiter)


@csrf_protect
def _upload_photo(request, pk, limiter):
    user = request.user
    _require_retakes_user(user)
    retake = selectors.get_visible_request_or_404(user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if limiter.exceeded:
        return _too_large_back_to_request(request, retake.pk)
    if not form.is_valid():
        if "photo" in form.errors:
            messages.error(request, _("请选择要上传的照片文件"))
        else:
            messages.error(request, _("说明太长：请控制在 1000 字以内"))
        return redirect("retakes:detail", pk=retake.pk)
    upload = form.cleaned_data["photo"]
    try:
        photo = services.submit_photo(
            request=retake,
            data=upload.read(),
            actor=user,
            note=form.cleaned_data.get("note", ""),
            note_if_failing=True,
        )
    except services.NoteRequired as exc:
        messages.error(
            request,
            _(
                "照片没有提交：它没有通过自动检查（%(findings)s）。可以换一张照片；"
                "如仍要提交这张，请在“说明”中写明原因后重新选择照片提交，由教务处审核。"
            )
            % {"findings": str(exc)},
        )
    except services.PhotoRejected as exc:
        messages.error(request, _("照片没有保存：%(reason)s") % {"reason": str(exc)})
    except services.RetakeError as exc:
        messages.error(request, str(exc))
    else:
        photo.refresh_from_db(fields=["check_status"])
        if photo.check_status == CheckStatus.PASSED:
            messages.success(request, _("照片已提交，自动检查通过，等待教务处审核"))
        elif photo.check_status == CheckStatus.PENDING:
            messages.success(request, _("照片已提交，正在自动检查，稍后刷新本页查看结果"))
        else:
            messages.warning(request, _("照片已提交，但没有通过自动检查：请查看下方的问题，重新提交或等待审核"))
    return redirect("retakes:detail", pk=retake.pk)


@csrf_exempt
@login_required
@require_POST
def self_check(request):
    """Check a photo without storing it; the page shows the findings without reloading."""
    if declared_too_large(request):
        return _too_large_json()
    limiter = install_limit(request)
    return _self_check(request, limiter)


@csrf_protect
def _self_check(request, limiter):
    if not selectors.can_use_retakes(request.user):
        return JsonResponse({"error": _("你的角色不能办理补拍")}, status=403)
    if _self_check_throttled(request.user):
        return JsonResponse({"error": _("检查太频繁，请一分钟后再试")}, status=429)
    upload = request.FILES.get("photo")
    if limiter.exceeded:
        return _too_large_json()
    if upload is None:
        return JsonResponse({"error": _("请选择要检查的照片文件")}, status=400)
    report = check_photo(upload.read(), backgrounds=_photo_backgrounds(request))
    body = report.as_dict()
    body["summary"] = (
        _("照片符合要求")
        if report.ok
        else ngettext(
            "发现 %(n)s 个问题，请按提示修改后重新检查",
            "发现 %(n)s 个问题，请按提示修改后重新检查",
            len(report.findings),
        )
        % {"n": len(report.findings)}
    )
    return JsonResponse(body)


def _photo_backgrounds(request) -> list[str] | None:
    """The backdrops the user's campaign allows: the student's own, staff's current one, else the standard's."""
    profile = student_profile(request.user)
    if profile is not None:
        return profile.campaign.photo_backgrounds
    try:
        return current_campaign(request).photo_backgrounds
    except Http404:
        return None


# Each check costs tens of milliseconds of CPU; a person fixing a photo needs a few a minute.
SELF_CHECKS_PER_MINUTE = 30


def _self_check_throttled(user) -> bool:
    key = f"retakes:self-check:{user.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key) > SELF_CHECKS_PER_MINUTE
    except ValueError:  # evicted between add and incr
        return False


@login_required
@require_GET
def photo_file(request, pk):
    _require_retakes_user(request.user)
    photo = selectors.get_visible_photo_or_404(request.user, pk)
    try:
        stream = photo.file.open("rb")
    except (OSError, ValueError):
        raise Http404(_("照片文件不存在")) from None
    response = FileResponse(stream, content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="retake-{photo.request_id}-{photo.pk}.{photo.extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- actions --------------------------------------------------------------------------


def _paper_photo_request(request, pk):
    """The request whose paper photo a counselor (or 教务处) records or takes back."""
    _require_retakes_user(request.user)
    retake = selectors.get_visible_request_or_404(request.user, pk)
    if not (request.user.is_academic_staff or request.user.is_counselor):
        raise PermissionDenied(_("只有辅导员或教务处可以登记纸质照片"))
    return retake


@login_required
@require_POST
def record_paper(request, pk):
    retake = _paper_photo_request(request, pk)
    try:
        services.record_paper_photo(request=retake, actor=request.user)
    except services.RetakeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已登记收到纸质照片"))
    return redirect("retakes:detail", pk=retake.pk)


@login_required
@require_POST
def undo_paper(request, pk):
    retake = _paper_photo_request(request, pk)
    try:
        services.undo_paper_photo(request=retake, actor=request.user, reason=request.POST.get("reason", ""))
    except services.RetakeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销“已收到纸质照片”：这份申请又在等纸质照片"))
    return redirect("retakes:detail", pk=retake.pk)


@staff_required
@require_POST
def review(request, pk):
    retake = selectors.get_visible_request_or_404(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        if "decision" in form.errors:
            messages.error(request, _("请选择通过或退回"))
        else:
            messages.error(request, _("理由太长：请控制在 500 字以内"))
        return redirect("retakes:detail", pk=retake.pk)
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.review_photo(request=retake, actor=request.user, accept=accept, reason=form.cleaned_data["reason"])
    except services.RetakeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("照片已通过") if accept else _("照片已退回，学生会看到退回原因"))
    return redirect("retakes:detail", pk=retake.pk)


@login_required
@require_POST
def cancel(request, pk):
    _require_retakes_user(request.user)
    retake = selectors.get_visible_request_or_404(request.user, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_request(request=retake, actor=request.user, reason=reason)
    except services.RetakeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("补拍申请已撤销"))
    return redirect("retakes:index")


@staff_required
@require_GET
def export(request):
    """Old address: the retake list is a background job on the one export page."""
    campaign = current_campaign(request)
    return redirect(reverse("export", args=["retakes"]) + "?" + urlencode({"campaign": campaign.code}))
