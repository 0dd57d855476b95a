from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext

from core.registries import OpenWork, open_work, staff_student_panel, student_panel
from sessions_app.scope import visible_students
from sessions_app.selectors import active_capture

from .models import CLOSED_STATUSES, RetakeRequest


@student_panel(order=40)
def retake_status(student):
    """The student's retake, or an invitation to file one if they were not photographed."""
    latest = RetakeRequest.objects.filter(student=student).order_by("-created_at", "-id").first()
    if latest is None:
        if active_capture(student) is not None:
            return None
    return "retakes/student_panel.html", {
        "retake": latest,
        "retake_open": latest is not None and latest.status not in CLOSED_STATUSES,
        "retake_deadline": student.campaign.retake_deadline,
    }


@open_work
def open_retakes(user, campaign_ids: list[int]) -> list[OpenWork]:
    """A counselor's or coordinator's open retakes in each campaign (last year's run into spring)."""
    if not (user.is_counselor or user.is_coordinator):
        return []
    rows = (
        RetakeRequest.objects.filter(campaign_id__in=campaign_ids, student__in=visible_students(user))
        .exclude(status__in=CLOSED_STATUSES)
        .order_by()
        .values("campaign_id", "campaign__code")
        .annotate(n=Count("id"))
    )
    # Coordinators have no retake pages: their link opens that campaign's students.
    page = "retakes:index" if user.is_counselor else "sessions_app:college_overview"
    extra = "&status=open" if user.is_counselor else ""
    return [
        OpenWork(
            campaign_id=row["campaign_id"],
            label=gettext("未完成的补拍"),
            count=row["n"],
            url=f"{reverse(page)}?{urlencode({'campaign': row['campaign__code']})}{extra}",
        )
        for row in rows
    ]


@staff_student_panel(order=40)
def retakes(student, viewer):
    """Every retake request of the student with its photo's verdict: one query."""
    requests = list(
        RetakeRequest.objects.filter(student=student).select_related("current_photo").order_by("-created_at", "-id")
    )
    return "retakes/staff_student_panel.html", {"retakes": requests}
