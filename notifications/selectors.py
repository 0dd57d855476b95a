from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import User

from .models import Notification


def inbox_for(user: User | AnonymousUser) -> QuerySet[Notification]:
    """A user's inbox: messages to the account, and to their Student rows (sent before activation)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return inbox_for_user_id(user.pk)


def inbox_for_user_id(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(Q(user_id=user_id) | Q(student__user_id=user_id), in_inbox=True)


def unread_count_for_user_id(user_id: int | None) -> int:
    if not user_id:
        return 0
    return inbox_for_user_id(user_id).filter(read_at__isnull=True).count()
