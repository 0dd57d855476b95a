"""The header's inbox link: the unread count, counted only when a page shows it."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count_for_user_id


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: one COUNT when the header renders it, none for JSON answers or the desk (no link there).
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count_for_user_id(user.pk))}
