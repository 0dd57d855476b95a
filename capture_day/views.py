"""The capture desk: one page per slot, the swipe, its live counts, undo and the sign-in sheet."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from capture_day.results import Outcome
from core import formatting
from core.redact import redact
from core.web import next_url, parse_pk, wants_json
from sessions_app.campaigns import current_campaign
from sessions_app.models import SHOT_STATUS_LABELS, Capture, Slot
from sessions_app.scope import desk_slots, visible_colleges, visible_students
from sessions_app.services import CaptureError

from . import progress, selectors
from . import services as desk_services
from .digest import seconds_left, slot_digest
from .forms import SwipeForm
from .selectors import AFTER, BEFORE, RUNNING, DeskTiming, desk_timing, slot_state
from .services import check_in, desk_gate, record_swipe, undo_check_in, undo_refusal


def _desk_slot(request, slot_id: int) -> Slot:
    """The slot if this user may run its desk; any other id is simply not there."""
    return get_object_or_404(desk_slots(request.user).select_related("group__campaign"), pk=slot_id)


@role_required("operator")
def desk_index(request):
    # The desks of the campaign in progress within the operator's groups (or the one chosen).
    slots = list(selectors.desk_slot_rows(desk_slots(request.user, current_campaign(request))))
    now = timezone.localtime()
    words = {BEFORE: _("未开始"), RUNNING: _("进行中"), AFTER: _("已结束")}
    for slot in slots:
        slot.state = slot_state(slot, now)
        slot.state_label = words[slot.state]
    return render(request, "capture_day/desk_index.html", {"slots": slots})


def _timing_words(timing: DeskTiming) -> dict:
    """What the desk says about its time: {"text", "link", "url"}, for the page and its poll."""
    slot, now = timing.slot, timezone.localtime()
    if timing.state == BEFORE and slot.date == now.date():
        text = _("本时段尚未开始（%(time)s 开始）") % {"time": f"{slot.start_time:%H:%M}"}
    elif timing.state == BEFORE:
        text = _("本时段尚未开始（%(date)s %(time)s 开始）") % {
            "date": formatting.date_short(slot.date),
            "time": f"{slot.start_time:%H:%M}",
        }
    elif timing.state == RUNNING:
        text = _("本时段正在进行（%(time)s 结束）") % {"time": f"{slot.end_time:%H:%M}"}
    else:
        text = _("本时段已结束")
    words = {"text": text, "link": "", "url": ""}
    if timing.running is not None:
        words["link"] = _("本组正在进行：%(range)s") % {"range": timing.running.time_range()}
        words["url"] = reverse("capture_day:desk", args=[timing.running.pk])
    elif timing.next is not None:
        words["link"] = _("本组下一个时段：%(range)s") % {"range": timing.next.time_range()}
        words["url"] = reverse("capture_day:desk", args=[timing.next.pk])
    return words


@role_required("operator")
def desk(request, slot_id: int):
    slot = _desk_slot(request, slot_id)
    return render(
        request,
        "capture_day/desk.html",
        {
            "slot": slot,
            "campaign": slot.group.campaign,
            "audiences": list(slot.audiences.select_related("college", "campus")),
            "counts": selectors.slot_counts(slot),
            "timing": _timing_words(desk_timing(slot)),
            "recent": _with_undo(selectors.recent_captures(slot), request.user),
            "form": SwipeForm(),
            "can_undo": True,
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
            "queued": _("已暂存（离线）"),
            Outcome.DESK_CLOSED: _("采集台未开放"),
            # photocapture.middleware.BusyMiddleware's answer when a row stayed locked too long.
            "busy": _("请稍后重试"),
            "refused": _("不能在此刷证"),
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
        # Both forms, for desk.js to choose by count: n == 1 is "one" in both our languages.
        "offline_banner": {
            "one": ngettext("离线：已暂存 %(n)s 条，联网后自动上传", "离线：已暂存 %(n)s 条，联网后自动上传", 1),
            "other": ngettext("离线：已暂存 %(n)s 条，联网后自动上传", "离线：已暂存 %(n)s 条，联网后自动上传", 2),
        },
        # The digest's tags are short on purpose (capture_day/digest.py): a match is a "maybe".
        "offline_on_roster": _("可能在本时段名单内（联网后确认）："),
        "offline_not_on_roster": _("不在本时段名单（可能是其他时段或名单外），联网后确认"),
        "offline_no_digest": _("离线，无法核对名单，联网后确认"),
        "offline_unchecked": _("学号离线无法核对，联网后确认"),
        "logout_queued": {
            "one": ngettext(
                "还有 %(n)s 条刷证没有上传：现在退出会把它们从这台电脑上删除。确定退出吗？",
                "还有 %(n)s 条刷证没有上传：现在退出会把它们从这台电脑上删除。确定退出吗？",
                1,
            ),
            "other": ngettext(
                "还有 %(n)s 条刷证没有上传：现在退出会把它们从这台电脑上删除。确定退出吗？",
                "还有 %(n)s 条刷证没有上传：现在退出会把它们从这台电脑上删除。确定退出吗？",
                2,
            ),
        },
        "waiting": _("正在记录…"),
        "shot": _("拍摄号"),
        "shot_states": {code: str(label) for code, label in SHOT_STATUS_LABELS.items()},
    }


@require_POST
@role_required("operator")
def desk_swipe(request, slot_id: int):
    form = SwipeForm(request.POST)
    today = desk_services.desk_today()
    if form.is_valid():
        # The slot read with what desk_gate asks of it and the student the code names: one query.
        slot = selectors.desk_swipe_slot(
            pk=slot_id, operator=request.user, today=today, identifier=form.cleaned_data["code"]
        )
    else:
        slot = selectors.gated_desk_slot(pk=slot_id, operator=request.user, today=today)
    if slot is None:
        raise Http404
    if not form.is_valid():
        body = {"outcome": Outcome.INVALID, "message": next(iter(form.errors.values()))[0]}
        if wants_json(request):
            return JsonResponse(body, status=400)
        messages.error(request, body["message"])
        return redirect("capture_day:desk", slot_id=slot.pk)
    try:
        result = _swipe(request, slot, form.cleaned_data)
    except CaptureError as exc:
        # desk_gate: the operator was taken off this group after the page was opened; or a nonce
        # that another desk or operator sent first (409: this request conflicts with that one).
        if wants_json(request):
            status = 409 if exc.code == "nonce_reused" else 403
            return JsonResponse({"outcome": "refused", "code": exc.code, "message": exc.message}, status=status)
        messages.error(request, exc.message)
        return redirect("capture_day:desk", slot_id=slot.pk)
    if not wants_json(request):
        # Without JavaScript the desk still works: the answer comes back as a message.
        refused = result.outcome in (Outcome.NOT_FOUND, Outcome.DESK_CLOSED)
        level = messages.ERROR if refused else messages.SUCCESS
        who = f"{result.student.name}：" if result.student else ""
        shot = _("（拍摄号 %(number)s）") % {"number": result.shot.number} if result.shot else ""
        messages.add_message(request, level, who + result.message + shot)
        return redirect("capture_day:desk", slot_id=slot.pk)
    body = result.as_dict()
    # What the recent-swipe list shows for someone not found: never the whole typed ID number. For a
    # student found, nothing of the typed number: the answer shows no digit of their ID (results.py).
    if result.student is None:
        body["shown_code"] = redact(form.cleaned_data["code"])[:32]
    if result.outcome == Outcome.WRONG_SLOT and "expected_slot" not in body:
        body["expected_slot"] = _("未分配时段（请联系教务处）")
    # No counts here: they cost the swipe a query over the slot's captures, and desk.js fetches
    # them (desk_counts) shortly after each answer, off the swipe's path.
    if result.capture is not None:
        body["capture_id"] = result.capture.pk
        if result.capture.is_active and undo_refusal(capture=result.capture, user=request.user) is None:
            body["undo_url"] = reverse("capture_day:capture_undo", args=[result.capture.pk])
    return JsonResponse(body)


def _swipe(request, slot: Slot, data: dict):
    if data["nonce"] is not None:
        return record_swipe(
            campaign=slot.group.campaign,
            slot=slot,
            identifier=data["code"],
            operator=request.user,
            nonce=data["nonce"],
            swiped_at=data["swiped_at"],
        )
    return check_in(campaign=slot.group.campaign, slot=slot, identifier=data["code"], operator=request.user)


@require_GET
@role_required("operator")
def desk_digest(request, slot_id: int):
    """Downloaded when the desk opens: the slot's roster as short keyed tags, for offline answers.

    Only on the days the desk is open (desk_gate's rule, the same as for a swipe): on any other
    day the answer is 410, and desk.js deletes whatever digest of this slot it still holds.
    """
    slot = _desk_slot(request, slot_id)
    try:
        closed = desk_gate(slot=slot, operator=request.user)
    except CaptureError as exc:
        return JsonResponse({"outcome": "refused", "code": exc.code, "message": exc.message}, status=403)
    if closed is not None:
        body = {"outcome": closed.outcome, "code": "desk_closed", "message": closed.message}
        response = JsonResponse(body, status=410)
    else:
        response = JsonResponse(slot_digest(slot, ttl=seconds_left(slot, today=desk_services.desk_today())))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required("operator")
def desk_worker(request):
    """The desk's service worker, served from /capture/desk/ so that it may control the desks."""
    response = render(request, "capture_day/desk_sw.js", content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@role_required("operator")
def desk_counts(request, slot_id: int):
    slot = _desk_slot(request, slot_id)
    return JsonResponse({"counts": selectors.slot_counts(slot).as_dict(), "timing": _timing_words(desk_timing(slot))})


def _with_undo(captures: list, user) -> list:
    for capture in captures:
        capture.undo_allowed = capture.is_active and undo_refusal(capture=capture, user=user) is None
    return captures


# How the undo page answers each refusal of undo_check_in; any other code is 403.
UNDO_REFUSAL_STATUS = {"reason_missing": 400, "reason_too_long": 400, "already_undone": 409}


@require_POST
@role_required("operator")
def capture_undo(request, capture_id: int):
    """Who may undo is capture_day.services.undo_check_in's rule; this only finds and answers."""
    if request.user.is_academic_staff:
        capture = get_object_or_404(Capture.objects.select_related("student"), pk=capture_id)
        default = reverse("sessions_app:student_detail", args=[capture.student_id])
    else:
        # An operator reaches only captures at the desks they run; any other id is not there.
        captures = Capture.objects.select_related("student").filter(slot__in=desk_slots(request.user))
        capture = get_object_or_404(captures, pk=capture_id)
        default = reverse("capture_day:desk", args=[capture.slot_id])
    try:
        undo_check_in(capture=capture, actor=request.user, reason=request.POST.get("reason", ""))
    except CaptureError as exc:
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "code": exc.code, "message": exc.message}, status=UNDO_REFUSAL_STATUS.get(exc.code, 403)
            )
        messages.error(request, exc.message)
        return HttpResponseRedirect(next_url(request, default))
    message = _("已撤销 %(name)s 的采集记录") % {"name": capture.student.name}
    if wants_json(request):
        body = {"ok": True, "message": message}
        if capture.slot_id:
            body["counts"] = selectors.slot_counts(capture.slot).as_dict()
        return JsonResponse(body)
    messages.success(request, message)
    return HttpResponseRedirect(next_url(request, default))


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
        "capture_day/signin_sheet.html",
        {
            "slot": slot,
            "campaign": slot.group.campaign,
            "audiences": list(slot.audiences.select_related("college", "campus")),
            "students": list(students),
            "mask_numbers": user.is_operator,
        },
    )


@require_GET
@role_required("coordinator")
def class_progress(request):
    """The coordinator's college by class with progress bars (staff: any college, by the filter)."""
    campaign = current_campaign(request)
    students = visible_students(request.user, campaign)
    colleges = list(visible_colleges(request.user))
    college_id = parse_pk(request.GET.get("college"))
    if college_id is not None:
        students = students.filter(college_id=college_id)
    elif request.user.is_academic_staff and colleges:
        # All colleges at once would be hundreds of classes: staff start with the first college.
        college_id = colleges[0].pk
        students = students.filter(college_id=college_id)
    rows = progress.class_progress(students)
    return render(
        request,
        "capture_day/class_progress.html",
        {
            "campaign": campaign,
            "rows": rows,
            "total": progress.total(rows),
            "colleges": colleges if len(colleges) > 1 else [],
            "college_id": college_id,
        },
    )
