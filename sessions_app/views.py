"""Capture-day pages: the desk, what each role sees of the schedule and captures, exports."""

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required, staff_required
from accounts.scope import desk_slots, get_visible_student_or_404, visible_colleges, visible_students
from photocapture.campaigns import current_campaign
from photocapture.exports import exporters
from photocapture.panels import render_student_panels

from . import selectors
from .forms import OverrideSlotForm, StudentFilterForm, SwipeForm, UndoCaptureForm
from .models import Campaign, Capture, Slot
from .services import CaptureError, Outcome, override_student_slot, record_capture, undo_capture

PAGE_SIZE = 50
# Exporters of other apps were written for staff; a coordinator gets only the ones known to
# narrow their rows to the coordinator's colleges.
COORDINATOR_EXPORTS = {"roster", "attendance"}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def _export_links(user, campaign: Campaign) -> list[dict]:
    registry = exporters()
    names = sorted(registry) if user.is_academic_staff else sorted(COORDINATOR_EXPORTS & set(registry))
    return [
        {
            "title": registry[name].title,
            "url": reverse("sessions_app:export", args=[name]) + f"?campaign={campaign.code}",
        }
        for name in names
    ]


# --- staff ------------------------------------------------------------------


@staff_required
def staff_overview(request):
    campaign = current_campaign(request)
    counts = selectors.college_counts(campaign, visible_colleges(request.user))
    unplaced = selectors.unplaced_students(campaign)
    unplaced_limit = 200
    return render(
        request,
        "sessions_app/staff_overview.html",
        {
            "campaign": campaign,
            "campaigns": Campaign.objects.order_by("-created_at"),
            "college_counts": counts,
            "total": selectors.totals(counts),
            "loads": selectors.slot_loads(campaign),
            "unplaced": list(unplaced[:unplaced_limit]),
            "unplaced_count": unplaced.count(),
            "unplaced_limit": unplaced_limit,
            "exports": _export_links(request.user, campaign),
        },
    )


# --- coordinator / counselor -----------------------------------------------


@role_required("coordinator")
def college_overview(request):
    campaign = current_campaign(request)
    students = visible_students(request.user, campaign)
    form = StudentFilterForm(request.GET or None, class_names=selectors.class_names(students))
    filtered = selectors.filter_students(students, **form.filters())
    page, query = _page(request, selectors.student_rows(filtered))
    counts = selectors.college_counts(campaign, visible_colleges(request.user))
    return render(
        request,
        "sessions_app/college_overview.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "query": query,
            "college_counts": counts,
            "total": selectors.totals(counts),
            "exports": _export_links(request.user, campaign),
            "slots": selectors.slots_of(students),
        },
    )


@require_GET
@role_required("coordinator")
def college_counts(request):
    """Polled by the coordinator's page so the count stays live during the shoot."""
    campaign = current_campaign(request)
    counts = selectors.college_counts(campaign, visible_colleges(request.user))
    total = selectors.totals(counts)
    values = {f"college-{c.college_id}-captured": c.captured for c in counts}
    values.update({f"college-{c.college_id}-expected": c.expected for c in counts})
    values.update({"total-captured": total.captured, "total-expected": total.expected})
    return JsonResponse({"values": values})


@role_required("counselor")
def counselor_students(request):
    campaign = current_campaign(request)
    students = visible_students(request.user, campaign)
    form = StudentFilterForm(request.GET or None, class_names=selectors.class_names(students))
    filtered = selectors.filter_students(students, **form.filters())
    page, query = _page(request, selectors.student_rows(filtered))
    return render(
        request,
        "sessions_app/counselor_students.html",
        {"campaign": campaign, "form": form, "page": page, "query": query},
    )


@role_required("coordinator", "counselor")
def student_detail(request, student_id: int):
    student = (
        selectors.student_rows(visible_students(request.user))
        .select_related("campaign", "counselor", "derived_slot__group__location__campus")
        .filter(pk=student_id)
        .first()
    )
    if student is None:
        raise Http404(_("没有这名学生，或你无权查看"))
    history = selectors.capture_history(student)
    return render(
        request,
        "sessions_app/student_detail.html",
        {
            "student": student,
            "history": history,
            "overrides": selectors.slot_history(student),
            "active": next((c for c in history if c.is_active), None),
            "undo_form": UndoCaptureForm(),
        },
    )


@staff_required
def student_override(request, student_id: int):
    student = get_visible_student_or_404(request.user, student_id)
    form = OverrideSlotForm(request.POST or None, slots=selectors.slot_choices(student.campaign))
    if request.method == "POST" and form.is_valid():
        try:
            override_student_slot(
                student=student, slot=form.cleaned_data["slot"], actor=request.user, reason=form.cleaned_data["reason"]
            )
        except CaptureError as exc:
            form.add_error("slot", str(exc))
        else:
            messages.success(request, _("已调整 %(name)s 的时段") % {"name": student.name})
            return redirect("sessions_app:student_detail", student_id=student.pk)
    student = (
        visible_students(request.user)
        .select_related("college", "assigned_slot__group__location__campus", "derived_slot__group__location__campus")
        .get(pk=student.pk)
    )
    return render(request, "sessions_app/student_override.html", {"student": student, "form": form})


@require_POST
@staff_required
def capture_undo(request, capture_id: int):
    capture = get_object_or_404(Capture.objects.select_related("student"), pk=capture_id)
    default = reverse("sessions_app:student_detail", args=[capture.student_id])
    form = UndoCaptureForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        messages.error(request, message)
        return HttpResponseRedirect(_next_url(request, default))
    try:
        undo_capture(capture=capture, actor=request.user, reason=form.cleaned_data["reason"])
    except CaptureError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": str(exc)}, status=409)
        messages.error(request, str(exc))
        return HttpResponseRedirect(_next_url(request, default))
    message = _("已撤销 %(name)s 的采集记录") % {"name": capture.student.name}
    if _wants_json(request):
        body = {"ok": True, "message": message}
        if capture.slot_id:
            body["counts"] = selectors.slot_counts(capture.slot).as_dict()
        return JsonResponse(body)
    messages.success(request, message)
    return HttpResponseRedirect(_next_url(request, default))


# --- capture desk -----------------------------------------------------------


def _desk_slot(request, slot_id: int) -> Slot:
    """The slot if this user may run its desk; any other id is simply not there."""
    return get_object_or_404(desk_slots(request.user).select_related("group__campaign"), pk=slot_id)


@role_required("operator")
def desk_index(request):
    slots = selectors.desk_slot_rows(desk_slots(request.user))
    return render(request, "sessions_app/desk_index.html", {"slots": slots})


@role_required("operator")
def desk(request, slot_id: int):
    slot = _desk_slot(request, slot_id)
    return render(
        request,
        "sessions_app/desk.html",
        {
            "slot": slot,
            "campaign": slot.group.campaign,
            "audiences": list(slot.audiences.select_related("college", "campus")),
            "counts": selectors.slot_counts(slot),
            "recent": selectors.recent_captures(slot),
            "form": SwipeForm(),
            "can_undo": request.user.is_academic_staff,
            "labels": _desk_labels(),
        },
    )


def _desk_labels() -> dict:
    """Everything desk.js writes on screen, translated here so the script holds no UI text."""
    return {
        "titles": {
            Outcome.CAPTURED: _("采集成功"),
            Outcome.ALREADY: _("已采集"),
            Outcome.WRONG_SLOT: _("非本人时段"),
            Outcome.NOT_FOUND: _("名单中无此人"),
            Outcome.INVALID: _("输入有误"),
            "error": _("网络错误"),
        },
        "expected_slot": _("本人时段："),
        "network_error": _("没有连上服务器，无法确认是否已记录：请检查网络后重新刷证"),
        "server_error": _("服务器出错（%(status)s），无法确认是否已记录：请重新刷证，仍不行请联系教务处"),
        "session_expired": _("登录已过期，本次未记录：请刷新页面重新登录后再刷证"),
        "undo": _("撤销"),
        "undone": _("已撤销"),
        "undo_prompt": _("撤销这次采集的原因（必填）："),
        "ignored_repeat": _("重复刷证，已忽略"),
        "waiting": _("正在记录…"),
    }


@require_POST
@role_required("operator")
def desk_swipe(request, slot_id: int):
    slot = _desk_slot(request, slot_id)
    form = SwipeForm(request.POST)
    if not form.is_valid():
        body = {"outcome": Outcome.INVALID, "message": form.errors["code"][0]}
        if _wants_json(request):
            return JsonResponse(body, status=400)
        messages.error(request, body["message"])
        return redirect("sessions_app:desk", slot_id=slot.pk)
    result = record_capture(
        campaign=slot.group.campaign, slot=slot, identifier=form.cleaned_data["code"], operator=request.user
    )
    if not _wants_json(request):
        # Without JavaScript the desk still works: the answer comes back as a message.
        level = messages.ERROR if result.outcome == Outcome.NOT_FOUND else messages.SUCCESS
        who = f"{result.student.name}：" if result.student else ""
        messages.add_message(request, level, who + result.message)
        return redirect("sessions_app:desk", slot_id=slot.pk)
    body = result.as_dict()
    if result.outcome == Outcome.WRONG_SLOT and "expected_slot" not in body:
        body["expected_slot"] = _("未分配时段（请联系教务处）")
    body["counts"] = selectors.slot_counts(slot).as_dict()
    if result.capture is not None:
        body["capture_id"] = result.capture.pk
        if request.user.is_academic_staff and result.capture.is_active:
            body["undo_url"] = reverse("sessions_app:capture_undo", args=[result.capture.pk])
    return JsonResponse(body)


@require_GET
@role_required("operator")
def desk_counts(request, slot_id: int):
    slot = _desk_slot(request, slot_id)
    return JsonResponse({"counts": selectors.slot_counts(slot).as_dict()})


@role_required("coordinator", "operator")
def signin_sheet(request, slot_id: int):
    """The printable 签到表: who is expected at this slot, with a column to sign."""
    user = request.user
    if user.is_academic_staff or user.is_operator:
        slot = _desk_slot(request, slot_id)
        students = selectors.signin_students(slot, slot.assigned_students.all())
    else:
        slot = get_object_or_404(Slot.objects.select_related("group__location__campus", "group__campaign"), pk=slot_id)
        students = selectors.signin_students(slot, visible_students(user, slot.group.campaign))
        if not students.exists():
            raise Http404(_("这个时段没有你负责学院的学生"))
    return render(
        request,
        "sessions_app/signin_sheet.html",
        {
            "slot": slot,
            "campaign": slot.group.campaign,
            "audiences": list(slot.audiences.select_related("college", "campus")),
            "students": list(students),
        },
    )


# --- exports ----------------------------------------------------------------


@require_GET
@role_required("coordinator")
def export(request, name: str):
    exporter = exporters().get(name)
    if exporter is None:
        raise Http404(_("没有这个报表"))
    if not request.user.is_academic_staff and name not in COORDINATOR_EXPORTS:
        raise PermissionDenied(_("你的角色不能导出这个报表"))
    campaign = current_campaign(request)
    # A temporary file, not memory: a 20,000-row workbook is written once and streamed.
    stream = tempfile.TemporaryFile()
    try:
        exporter.func(campaign=campaign, user=request.user, stream=stream)
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{exporter.title}-{campaign.code}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- student ----------------------------------------------------------------


def student_home(request, student):
    """The student's own page; photocapture.views.home hands over the profile (or None)."""
    context = {"student": student, "panels": []}
    if student is not None:
        campaign = student.campaign
        context.update(
            {
                "campaign": campaign,
                "slot": student.assigned_slot,
                "capture": student.captures.filter(undone_at__isnull=True).select_related("slot").first(),
                "rules": campaign.rule_lines(),
                "bring": [line.strip() for line in campaign.what_to_bring.splitlines() if line.strip()],
                "panels": [
                    render_to_string(template, panel_context, request=request)
                    for template, panel_context in render_student_panels(student)
                ],
            }
        )
    return render(request, "sessions_app/student_home.html", context)
