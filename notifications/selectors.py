from django.db.models import Q, QuerySet

from .models import Notification


def inbox_for(user) -> QuerySet[Notification]:
    """A user's inbox: messages to the account, and to their Student rows (sent before activation)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(Q(user=user) | Q(student__user=user), in_inbox=True)


def unread_count(user) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()
