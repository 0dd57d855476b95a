from django.utils import timezone

from core.registries import student_panel

from .chsi_import import status_shows_photo
from .models import VerificationRecord


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
