"""拍摄号 for desk operators: a group's numbers of a day, and voiding or re-queueing one."""

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from sessions_app.models import Shot
from sessions_app.scope import desk_groups
from sessions_app.services import ShotError, requeue_shot, void_shot

from . import selectors
from .forms import ShotReasonForm
from .services import desk_today


def _day(raw: str | None) -> tuple[datetime.date, bool]:
    """The day asked for, or today where the desks are; True if what was sent was not a date."""
    if not raw:
        return desk_today(), False
    try:
        return datetime.date.fromisoformat(raw[:10]), False
    except ValueError:
        return desk_today(), True


@require_GET
@role_required("operator")
def shot_list(request, group_id: int):
    group = get_object_or_404(desk_groups(request.user), pk=group_id)
    day, bad_day = _day(request.GET.get("day"))
    if bad_day:
        messages.error(request, _("日期格式应为 2026-06-01，已显示今天"))
    rows = selectors.group_day_shots(group.pk, day)
    _mark_actions(rows)
    days = sorted(set(group.slots.values_list("date", flat=True)))
    return render(
        request,
        "capture_day/shot_list.html",
        {
            "group": group,
            "campaign": group.campaign,
            "day": day,
            "days": days,
            "rows": rows,
            "mask_numbers": request.user.is_operator,
        },
    )


def _mark_actions(rows: list[Shot]) -> None:
    """Void a live number; re-queue a live one, or the newest one of a student who left and came back."""
    live = {shot.capture_id for shot in rows if shot.voided_at is None}
    newest: dict[int, int] = {}
    for shot in rows:
        newest[shot.capture_id] = max(newest.get(shot.capture_id, 0), shot.pk)
    for shot in rows:
        status = shot.status
        shot.can_void = status == "live"
        shot.can_requeue = status == "live" or (
            status == "left" and shot.capture_id not in live and newest[shot.capture_id] == shot.pk
        )


def _shot_action(request, shot_id: int, action, done: str):
    shot = get_object_or_404(Shot.objects.filter(group__in=desk_groups(request.user)), pk=shot_id)
    back = reverse("capture_day:shot_list", args=[shot.group_id]) + f"?day={shot.day.isoformat()}"
    form = ShotReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        result = action(shot=shot, actor=request.user, reason=form.cleaned_data["reason"])
    except ShotError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, done % {"number": shot.number, "new": result.number})
    return redirect(back)


@require_POST
@role_required("operator")
def shot_void(request, shot_id: int):
    return _shot_action(request, shot_id, void_shot, _("拍摄号 %(number)s 已作废"))


@require_POST
@role_required("operator")
def shot_requeue(request, shot_id: int):
    return _shot_action(request, shot_id, requeue_shot, _("已重新排队：拍摄号 %(number)s → %(new)s"))
