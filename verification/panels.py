from django.db.models import FilteredRelation, Q
from django.utils import timezone

from core.registries import preloaded, staff_student_panel, student_panel

from .chsi_import import status_shows_photo
from .models import ProblemReport, VerificationRecord


@student_panel(
    order=30,
    # At most one active record per student (verification_one_active_per_student).
    relations={
        "active_verification": FilteredRelation(
            "verification_records", condition=Q(verification_records__is_active=True)
        )
    },
    select_related=("active_verification",),
)
def verification_status(student):
    """Due date and countdown: the record comes with the home page's student (one query
    otherwise); the unread count is the page header's own."""
    found, record = preloaded(student, "active_verification")
    if not found:
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
