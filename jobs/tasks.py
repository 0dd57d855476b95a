"""The one Celery task behind every background job: it takes an id and calls the service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    name=services.RUN_JOB_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def run_job(job_id: int) -> str:
    return services.run_job(job_id=job_id)
