"""Celery beat's whole schedule, in one place. Keys are the task names (`<app>.<function>`).

Daily jobs run at Asia/Shanghai wall-clock times; `BEAT_DAILY_AT` in the environment moves
any of them (`privacy.erase_due_campaigns=02:30`).

Every scheduled reminder (verification, fees, retakes, the slot reminder) goes through one entry,
`notifications.send_reminders_all`, every hour at minute `REMINDER_BEAT_MINUTE`: it sends the rules
whose hour it is (each rule declares its hour; `REMINDER_HOURS` moves one), one task per campaign
that is not closed (notifications/reminders.py).
"""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

REMINDERS = "notifications.send_reminders_all"
DAILY_AT = {
    # At night: erase the personal data of campaigns whose retention ended (privacy.services).
    "privacy.erase_due_campaigns": "03:00",
    # Photo files a killed worker wrote without their row (retakes.orphans).
    "retakes.sweep_orphan_photo_files": "03:30",
}
# Sweepers: queue again the jobs whose message never reached a worker (broker down when they
# were asked for) or whose worker died; delete staged uploads and finished jobs' files past their age.
SWEEPERS = (
    "notifications.sweep_deliveries",
    "retakes.sweep_pending_checks",
    "jobs.sweep_queued",
    "jobs.sweep_staged_uploads",
    "jobs.expire_files",
)


def _time(name: str, value: str) -> crontab:
    try:
        hour, minute = (int(part) for part in value.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(f"BEAT_DAILY_AT: {name}={value!r} is not a time as HH:MM") from None
    return crontab(hour=hour, minute=minute)


def schedule(*, daily_at_overrides: list[str], sweep_every_seconds: float, reminders_minute: int = 0) -> dict:
    times = dict(DAILY_AT)
    for item in daily_at_overrides:
        name, _, value = item.partition("=")
        if name.strip() not in DAILY_AT:
            raise ImproperlyConfigured(f"BEAT_DAILY_AT: unknown job {name.strip()!r}; known: {', '.join(DAILY_AT)}")
        times[name.strip()] = value.strip()
    entries = {name: {"task": name, "schedule": _time(name, value)} for name, value in times.items()}
    entries.update({name: {"task": name, "schedule": sweep_every_seconds} for name in SWEEPERS})
    if not 0 <= reminders_minute < 60:
        raise ImproperlyConfigured(f"REMINDER_BEAT_MINUTE: {reminders_minute} is not a minute (0-59)")
    entries[REMINDERS] = {"task": REMINDERS, "schedule": crontab(minute=reminders_minute)}
    return entries
