"""The one Celery task behind every background job: it takes an id and calls the service."""

from celery import shared_task
from django.conf import settings

from core.taskbase import BaseTask
from intake import staging

from . import services


@shared_task(base=BaseTask, name=services.RUN_JOB_TASK, bind=True)
def run_job(self, job_id: int) -> str:
    status = services.run_job(job_id=job_id, heartbeat=not self.request.is_eager)
    if status == "leased" and self.request.retries:
        # This task's own earlier try lost the database mid-run and could not give the lease up:
        # try again once the lease has run out, and take the job over then.
        raise self.retry(countdown=settings.JOBS_LEASE_SECONDS + 1)
    return status


@shared_task(base=BaseTask, name="jobs.sweep_queued")
def sweep_queued() -> int:
    """Beat: running jobs whose worker is gone (lease run out) are resumed or failed, with why;
    jobs still queued long after they were asked for (broker down then) are sent again."""
    resumed = services.recover_expired()
    ids = sorted({*resumed, *services.jobs_to_requeue()})
    for job_id in ids:
        run_job.send_now(job_id)
    return len(ids)


@shared_task(base=BaseTask, name="jobs.sweep_staged_uploads")
def sweep_staged_uploads() -> int:
    """Beat: staged imports hold ID numbers; expired ones go even if nobody uploads again."""
    return staging.sweep()


@shared_task(base=BaseTask, name="jobs.expire_files")
def expire_files() -> int:
    """Beat: finished jobs' files (exports, rejected imports' rows) hold ID numbers; old ones go."""
    return services.expire_files()
