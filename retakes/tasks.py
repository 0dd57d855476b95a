from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name=services.CHECK_PHOTO_TASK,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
)
def check_retake_photo(photo_id: int) -> str | None:
    photo = services.run_photo_check(photo_id=photo_id)
    return photo.check_status if photo else None


@shared_task(
    name="retakes.send_retake_reminders",
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=3,
    acks_late=True,
)
def send_retake_reminders() -> int:
    return services.send_retake_reminders()
