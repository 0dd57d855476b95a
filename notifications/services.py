"""Sending a message to a person: the one place that records and transmits notifications.

The work is split by what it does, each module with its own guarantees:
- `recording.py`: `notify` / `notify_many` record the Notification (the inbox message; one per
  recipient, kind, subject and step, ever) and its deliveries, queued once the caller commits.
- `sending.py`: one external delivery sent at most once (the claim, the provider's de-duplication
  key, reconciling an unknown outcome, the sweeper's list, staff settling an unknown outcome).
- `preferences.py`: each person's channels, and marking their inbox read.
- `reminders.py` / `schedules.py`: every scheduled reminder (rules, step schedules, the runner).

Callers import the public names from here.
"""

from .preferences import channel_preference_for, mark_read, save_channel_preference
from .recording import (
    ALL_CHANNELS,
    EXTERNAL_CHANNELS,
    ROLE_DEFAULT_CHANNELS,
    SEND_DELIVERIES_TASK,
    Message,
    enqueue_deliveries,
    notify,
    notify_many,
)
from .sending import (
    DeliveryResolutionError,
    Outcome,
    SendResult,
    backoff_seconds,
    configured_sms_provider,
    deliveries_to_requeue,
    reconcile_delivery,
    resolve_unknown_delivery,
    send_delivery,
)

__all__ = [
    "ALL_CHANNELS",
    "EXTERNAL_CHANNELS",
    "ROLE_DEFAULT_CHANNELS",
    "SEND_DELIVERIES_TASK",
    "DeliveryResolutionError",
    "Message",
    "Outcome",
    "SendResult",
    "backoff_seconds",
    "channel_preference_for",
    "configured_sms_provider",
    "deliveries_to_requeue",
    "enqueue_deliveries",
    "mark_read",
    "notify",
    "notify_many",
    "reconcile_delivery",
    "resolve_unknown_delivery",
    "save_channel_preference",
    "send_delivery",
]
