"""Staff and coordinators: who has not bound a 采集码, per college and class; remind them."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from core.web import paginate, parse_pk, query_without_page
from notifications.bulk import confirmation_page, confirmed
from sessions_app.campaigns import current_campaign
from sessions_app.collection_codes import CollectionCodeError, clear_collection_code
from sessions_app.models import Identification
from sessions_app.scope import get_visible_student_or_404

from . import code_reminders
from .jobkinds import start_remind_unbound


@role_required("coordinator")
def unbound_codes(request):
    campaign = current_campaign(request)
    if request.method == "POST":
        return _clear(request, campaign) if "clear" in request.POST else _remind(request, campaign)
    college_id = parse_pk(request.GET.get("college"))
    # "class" present but empty is the students without a class, not every class.
    class_name = request.GET.get("class") if "class" in request.GET else None
    rows = code_reminders.unbound_by_class(user=request.user, campaign=campaign)
    students = code_reminders.unbound_students(
        user=request.user, campaign=campaign, college_id=college_id, class_name=class_name
    ).select_related("college")
    return render(
        request,
        "capture_day/unbound_codes.html",
        {
            "campaign": campaign,
            "rows": rows,
            "unbound_total": sum(r.unbound for r in rows),
            "students_total": sum(r.students for r in rows),
            "page": paginate(request, students),
            "query": query_without_page(request),
            "clashes": code_reminders.recent_clashes(user=request.user, campaign=campaign),
            "college_id": college_id,
            "class_name": class_name,
            "enabled": campaign.identifies_by(Identification.COLLECTION_CODE),
        },
    )


def _remind(request, campaign):
    college_id = parse_pk(request.POST.get("college"))
    class_name = request.POST.get("class") if "class" in request.POST else None
    back = reverse("capture_day:unbound_codes") + "?" + urlencode({"campaign": campaign.code})
    try:
        plan = code_reminders.plan_remind_unbound(
            campaign=campaign, actor=request.user, college_id=college_id, class_name=class_name
        )
    except code_reminders.CodeReminderError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if not confirmed(request) or not plan.count:
        carry = {"college": college_id, "class": class_name}
        return confirmation_page(request, plan=plan, campaign=campaign, back_url=back, carry=carry)
    # Checked again (closed since, out of scope) by the job, which sends and shows its progress.
    job = start_remind_unbound(campaign=campaign, user=request.user, college_id=college_id, class_name=class_name)
    return redirect("jobs:detail", job_id=job.pk)


def _clear(request, campaign):
    """Unbind the holder of a clashing code once staff have found it is not theirs."""
    student = get_visible_student_or_404(request.user, request.POST.get("clear"), campaign)
    try:
        clear_collection_code(student=student, actor=request.user, reason=request.POST.get("reason", ""))
    except CollectionCodeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已清除 %(name)s 的采集码绑定") % {"name": student.name})
    return redirect(reverse("capture_day:unbound_codes") + "?" + urlencode({"campaign": campaign.code}))
