import datetime

from celery import shared_task

from core.taskbase import BaseTask

from . import reminders


@shared_task(base=BaseTask, name="fees.send_remittance_reminders")
def send_remittance_reminders(today: str | None = None) -> int:
    """Daily; idempotent because notify() records one delivery per coordinator, campaign and step."""
    return reminders.send_remittance_reminders(today=datetime.date.fromisoformat(today) if today else None)
