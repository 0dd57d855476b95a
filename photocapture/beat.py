"""Celery beat's whole schedule, in one place. Keys are the task names (`<app>.<function>`).

Daily jobs run at Asia/Shanghai wall-clock times; `BEAT_DAILY_AT` in the environment moves
any of them (`verification.slot_reminders_all=17:30,fees.send_remittance_reminders=08:00`).
"""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

DAILY_AT = {
    # The day before a slot, the evening: students are told where and when to come.
    "verification.slot_reminders_all": "18:00",
    "verification.verification_reminders_all": "09:00",
    "verification.overdue_digests_all": "09:30",
    "fees.send_remittance_reminders": "09:00",
    "retakes.send_retake_reminders": "09:00",
    # At night: erase the personal data of campaigns whose retention ended (privacy.services).
    "privacy.erase_due_campaigns": "03:00",
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


def schedule(*, daily_at_overrides: list[str], sweep_every_seconds: float) -> dict:
    times = dict(DAILY_AT)
    for item in daily_at_overrides:
        name, _, value = item.partition("=")
        if name.strip() not in DAILY_AT:
            raise ImproperlyConfigured(f"BEAT_DAILY_AT: unknown job {name.strip()!r}; known: {', '.join(DAILY_AT)}")
        times[name.strip()] = value.strip()
    entries = {name: {"task": name, "schedule": _time(name, value)} for name, value in times.items()}
    entries.update({name: {"task": name, "schedule": sweep_every_seconds} for name in SWEEPERS})
    return entries
