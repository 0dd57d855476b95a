"""Beat's daily look for campaigns whose retention has ended; each erasure runs as a job."""

from celery import shared_task

from core.taskbase import BaseTask

from . import services


@shared_task(base=BaseTask, name="privacy.erase_due_campaigns")
def erase_due_campaigns() -> int:
    return len(services.start_due_erasures())
