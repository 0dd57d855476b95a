"""Each person's channels, and marking their inbox read."""

import datetime
import logging
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User

from .models import (
    Channel,
    ChannelPreference,
    Notification,
)
from .recording import ROLE_DEFAULT_CHANNELS
from .sending import DeliveryResolutionError

logger = logging.getLogger(__name__)


def channel_preference_for(*, user: User) -> ChannelPreference:
    """The person's saved choice, or an unsaved one holding their role's defaults."""
    saved = ChannelPreference.objects.filter(user=user).first()
    if saved is not None:
        return saved
    defaults = ROLE_DEFAULT_CHANNELS.get(user.role, frozenset({Channel.EMAIL.value, Channel.SMS.value}))
    return ChannelPreference(
        user=user,
        email=Channel.EMAIL in defaults,
        sms=Channel.SMS in defaults,
        wecom=Channel.WECOM in defaults,
    )


def save_channel_preference(*, actor: User, preference: ChannelPreference) -> ChannelPreference:
    """Each person sets their own channels (staff change others' in the admin)."""
    if preference.user_id != actor.pk:
        raise DeliveryResolutionError.of("not_own_preference")
    preference.save()
    return preference


def mark_read(
    *, user: User | AnonymousUser, notification_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> int:
    from .selectors import inbox_for

    qs = inbox_for(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return Notification.objects.filter(pk__in=qs.values("pk")).update(read_at=now or timezone.now())
