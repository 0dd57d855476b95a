from django.utils import timezone

from core.registries import staff_student_panel, student_panel

from .chsi_import import status_shows_photo
from .models import ProblemReport, VerificationRecord


@student_panel(order=30)
def verification_status(student):
    """Due date and countdown (one query); the unread count is the page header's own."""
    record = VerificationRecord.objects.filter(student=student, is_active=True).first()
    left = (record.due_date - timezone.localdate()).days if record else None
    return "verification/student_panel.html", {
        "record": record,
        "days_left": left,
        "overdue_days": -left if left is not None and left < 0 else 0,
        "campaign": student.campaign,
        # "Do not capture again": CHSI already holds the photo, a second capture makes two.
        "chsi_has_photo": record is not None and status_shows_photo(record.chsi_status),
    }


@staff_student_panel(order=30)
def chsi_state(student, viewer):
    """The CHSI due date, confirmation and imported status, and the student's reports: two queries."""
    record = VerificationRecord.objects.filter(student=student, is_active=True).select_related("confirmed_by").first()
    reports = list(ProblemReport.objects.filter(student=student).order_by("-created_at", "-id"))
    left = (record.due_date - timezone.localdate()).days if record else None
    return "verification/staff_student_panel.html", {
        "record": record,
        "days_left": left,
        "overdue_days": -left if left is not None and left < 0 else 0,
        "reports": reports,
    }
