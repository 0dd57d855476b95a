from django.db.models import Q
from django.utils import timezone

from accounts.registries import student_panel

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
    }


@student_panel(order=4)
def chsi_photo_exists(student):
    """Says "do not capture again" when a CHSI status import says 学信网 already holds the student's photo:
    a second capture makes two different photos. One query: this student's records, and those of
    the same account in other campaigns (a student who was photographed with an earlier cohort)."""
    who = Q(student=student) | Q(student__user_id=student.user_id) if student.user_id else Q(student=student)
    statuses = VerificationRecord.objects.filter(who).exclude(chsi_status="").values_list("chsi_status", flat=True)
    if not any(status_shows_photo(status) for status in statuses):
        return None
    return "verification/chsi_photo_panel.html", {"campaign": student.campaign}
