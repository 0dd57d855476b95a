"""What each role sees of the schedule and captures, and the exports (the desk is capture_day)."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import role_required, staff_required
from core.registries import exporters, render_staff_student_panels, render_student_panels
from core.web import paginate, parse_pk, query_without_page
from sessions_app.campaigns import current_campaign
from sessions_app.scope import get_visible_student_or_404, visible_college_list, visible_students

from . import selectors
from .forms import OverrideSlotForm, StudentFilterForm, UndoCaptureForm
from .models import Campaign
from .services import CaptureError, override_student_slot


def _export_links(user, campaign: Campaign) -> list[dict]:
    registry = exporters()
    names = sorted(name for name, exporter in registry.items() if exporter.allowed(user))
    return [
        {"title": registry[name].title, "url": reverse("export", args=[name]) + f"?campaign={campaign.code}"}
        for name in names
    ]


# --- staff ------------------------------------------------------------------


@staff_required
def staff_overview(request):
    campaign = current_campaign(request)
    counts = selectors.college_counts(campaign, visible_college_list(request.user))
    unplaced = selectors.unplaced_students(campaign)
    unplaced_limit = 200
    loads = selectors.slot_loads(campaign)
    days = selectors.day_loads(campaign, loads)
    return render(
        request,
        "sessions_app/staff_overview.html",
        {
            "campaign": campaign,
            "college_counts": counts,
            "total": selectors.totals(counts),
            "loads": loads,
            "days": days,
            "over_slots": [load for load in loads if load.over],
            "over_days": [day for day in days if day.over],
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
    colleges = visible_college_list(request.user)
    college_id = parse_pk(request.GET.get("college"))
    if college_id is not None:
        students = students.filter(college_id=college_id)
    form = StudentFilterForm(request.GET or None, class_names=selectors.class_names(students))
    filters = form.filters()
    filtered = selectors.filter_students(students, **filters)
    counts, college_slots = selectors.college_figures(campaign, colleges)
    shown = [c for c in counts if college_id is None or c.college_id == college_id]
    # The slots of the shown colleges' students (the sign-in sheet links) and of the page's rows.
    slots = selectors.slots_by_id(set().union(*(college_slots.get(c.college_id, set()) for c in shown)))
    rows = selectors.student_rows(filtered, one_college=college_id is not None or len(colleges) == 1, slots_known=True)
    # Unfiltered, the page lists the roster just counted: no second COUNT.
    known = sum(c.expected for c in shown) if not any(filters.values()) else None
    page, query = paginate(request, rows, count=known), query_without_page(request)
    page.object_list = selectors.with_slots(page.object_list, slots)
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
            "slots": list(slots.values()),
            "colleges": colleges if len(colleges) > 1 else [],
            "college_id": college_id,
        },
    )


@require_GET
@role_required("coordinator")
def college_counts(request):
    """Polled by the coordinator's page so the count stays live during the shoot."""
    campaign = current_campaign(request)
    counts = selectors.college_counts(campaign, visible_college_list(request.user))
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
    page, query = paginate(request, selectors.student_rows(filtered)), query_without_page(request)
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
            # Fees, CHSI and retakes on the same page: a student's phone call needs all of them.
            "panels": render_staff_student_panels(student, request.user),
        },
    )


@staff_required
def student_override(request, student_id: int):
    student = get_visible_student_or_404(request.user, student_id)
    form = OverrideSlotForm(request.POST or None, slots=selectors.slot_choices_with_audiences(student.campaign))
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


# --- exports ----------------------------------------------------------------


@require_GET
def export(request, name: str):
    """The old export address: every export is now a background job on the one export page."""
    return _to_export_page(request, name)


def _to_export_page(request, name: str):
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("export", args=[name]) + (f"?{query}" if query else ""))


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
                "capture": selectors.active_capture(student),
                "shot": selectors.student_shot(student),
                "rules": campaign.rule_lines(),
                "bring": [line.strip() for line in campaign.what_to_bring.splitlines() if line.strip()],
                "panels": render_student_panels(student),
                # The header's unread count, read with the student: no COUNT of its own.
                **selectors.student_page_values(student),
            }
        )
    return render(request, "sessions_app/student_home.html", context)
