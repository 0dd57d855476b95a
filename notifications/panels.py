from django.db.models import OuterRef

from core.registries import student_page_value

from . import selectors


@student_page_value("inbox_unread")
def inbox_unread():
    """The header's unread count on the student's home page, read in the page's query of the
    student instead of the context processor's own COUNT."""
    return selectors.unread_count_of(OuterRef("user_id"))
