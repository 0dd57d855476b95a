from django.utils import timezone

from accounts.registries import student_panel

from .chsi_import import status_shows_photo
from .models import VerificationRecord


@student_panel(order=30)
def verification_status(student):
    """Due date and countdown (one query); the unread count is the page header's own."""
    record = _active_record(student)
    left = (record.due_date - timezone.localdate()).days if record else None
    return "verification/student_panel.html", {
        "record": record,
        "days_left": left,
        "overdue_days": -left if left is not None and left < 0 else 0,
        "campaign": student.campaign,
    }


def _active_record(student) -> VerificationRecord | None:
    """Read once per student object: both panels of this app ask (the home page's query budget)."""
    if not hasattr(student, "_active_verification"):
        student._active_verification = VerificationRecord.objects.filter(student=student, is_active=True).first()
    return student._active_verification


@student_panel(order=4)
def chsi_photo_exists(student):
    """Says "do not capture again" when a CHSI status import shows 学信网 already holds the
    student's photo: a second capture makes two different photos. Only the active record is
    read (no query of its own); the import writes only records of captured students."""
    record = _active_record(student)
    if record is None or not status_shows_photo(record.chsi_status):
        return None
    return "verification/chsi_photo_panel.html", {"campaign": student.campaign}
