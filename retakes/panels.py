from core.registries import staff_student_panel, student_panel
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


@staff_student_panel(order=40)
def retakes(student, viewer):
    """Every retake request of the student with its photo's verdict: one query."""
    requests = list(
        RetakeRequest.objects.filter(student=student).select_related("current_photo").order_by("-created_at", "-id")
    )
    return "retakes/staff_student_panel.html", {"retakes": requests}
