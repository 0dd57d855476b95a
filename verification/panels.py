from django.utils import timezone

from accounts.registries import student_panel

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
    }
