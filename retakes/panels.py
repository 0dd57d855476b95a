from accounts.registries import student_panel
from sessions_app.models import Capture

from .models import CLOSED_STATUSES, RetakeRequest


@student_panel(order=40)
def retake_status(student):
    """The student's retake, or an invitation to file one if they were not photographed."""
    latest = (
        RetakeRequest.objects.filter(student=student)
        .select_related("campaign", "current_photo")
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None:
        captured = Capture.objects.filter(student=student, undone_at__isnull=True).exists()
        if captured:
            return None
    return "retakes/student_panel.html", {
        "retake": latest,
        "retake_open": latest is not None and latest.status not in CLOSED_STATUSES,
        "retake_deadline": student.campaign.retake_deadline,
    }
