from celery import shared_task

from . import reminders


@shared_task(
    name="fees.tasks.send_remittance_reminders",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def send_remittance_reminders() -> int:
    """Daily; idempotent because notify() records one delivery per coordinator, campaign and step."""
    return reminders.send_remittance_reminders()
