from urllib.parse import urlencode

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils.translation import gettext

from core.registries import OpenWork, open_work, preloaded, staff_student_panel, student_panel
from sessions_app.scope import visible_students
from sessions_app.selectors import active_capture

from .models import CLOSED_STATUSES, RetakeRequest

# What the student's panel shows of their newest retake request, read with the home page's student.
_RETAKE_FIELDS = {"id": "pk", "channel": "channel", "status": "status"}


def _newest(student) -> QuerySet[RetakeRequest]:
    return RetakeRequest.objects.filter(student=student).order_by("-created_at", "-id")


def _newest_retake():
    return Subquery(_newest(OuterRef("pk")).values(retake=JSONObject(**_RETAKE_FIELDS))[:1])


@student_panel(order=40, annotations={"home_retake": _newest_retake})
def retake_status(student):
    """The student's retake, or an invitation to file one if they were not photographed. The
    newest request comes with the home page's student (one query otherwise)."""
    found, row = preloaded(student, "home_retake")
    if found:
        latest = None
        if row:
            latest = RetakeRequest(pk=row["id"], student=student, channel=row["channel"], status=row["status"])
    else:
        latest = _newest(student).first()
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
