"""Start a background job once, run it, and record its progress and result."""

import datetime
import logging
import time
from typing import IO, Any

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from core.errors import Busy

from .models import ACTIVE_STATUSES, Job, JobStatus
from .registry import JobRejected, Outcome, get_kind, kinds

# The Celery name of tasks.run_job, which start_job enqueues.
RUN_JOB_TASK = "jobs.run_job"

logger = logging.getLogger(__name__)

# How often a running job writes its progress: often enough for a bar polled every second,
# rare enough that a 20,000-row import does not spend its time updating one row.
PROGRESS_INTERVAL_S = 0.5


class JobError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _stale_after() -> datetime.timedelta:
    # Past the task's hard time limit nobody is running it any more (a worker died mid-way).
    return datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60)


def start_job(*, kind: str, key: str, owner: User, params: dict[str, Any] | None = None) -> Job:
    """The job already queued or running for (kind, key), or a new one enqueued after commit."""
    if get_kind(kind) is None:
        raise JobError("unknown_kind", kind)
    _expire_stale(kind=kind, key=key)
    existing = Job.objects.filter(kind=kind, key=key, status__in=ACTIVE_STATUSES).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, key=key, owner=owner, params=params or {})
    except IntegrityError:
        # A second click (or a second tab) got here first: show that job.
        existing = Job.objects.filter(kind=kind, key=key, status__in=ACTIVE_STATUSES).first()
        if existing is None:
            raise
        return existing
    # By name: tasks.py calls this module, so importing it here would close a cycle. Sent after
    # commit; with the broker down the job stays queued and jobs.sweep_queued sends it later.
    current_app.tasks[RUN_JOB_TASK].enqueue(job.pk)
    return job


def jobs_to_requeue(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Queued jobs whose message never reached a worker (run_job ignores a second delivery)."""
    before = (now or timezone.now()) - datetime.timedelta(seconds=settings.JOBS_REQUEUE_QUEUED_AFTER_SECONDS)
    queued = Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=before).order_by("id")
    return list(queued.values_list("id", flat=True)[:limit])


def expire_files(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Delete the files of jobs finished more than settings.JOBS_FILE_MAX_AGE_SECONDS ago; how many went.

    They hold full ID numbers: an export of the roster, a rejected import's bad rows (kept whole,
    since the clerk fixes them in Excel and uploads them again). `file_name` stays, so the job's
    page can say the file was deleted rather than never made.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.JOBS_FILE_MAX_AGE_SECONDS)
    # Kinds that keep their files longer (an erasure's archive) are swept by their own age.
    own_ages = {name: kind.file_max_age() for name, kind in kinds().items() if kind.file_max_age is not None}
    expired = Job.objects.filter(finished_at__lt=cutoff).exclude(kind__in=list(own_ages))
    for name, seconds in own_ages.items():
        expired = expired | Job.objects.filter(kind=name, finished_at__lt=now - datetime.timedelta(seconds=seconds))
    removed = 0
    for job in expired.exclude(file="").only("id", "file")[:limit]:
        job.file.delete(save=False)  # a missing file (deleted by hand) is not an error
        Job.objects.filter(pk=job.pk).update(file="")
        removed += 1
    return removed


def _expire_stale(*, kind: str, key: str) -> None:
    cutoff = timezone.now() - _stale_after()
    Job.objects.filter(kind=kind, key=key, status=JobStatus.RUNNING, started_at__lt=cutoff).update(
        status=JobStatus.FAILED, error_code="stale", finished_at=timezone.now()
    )


class _Progress:
    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_S and (total is None or done < total):
            return
        self.last = now
        fields = {"done": done if total is None else min(done, total)}
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields)


def run_job(*, job_id: int) -> str:
    """Run one queued job to its end; returns its final status. A second delivery does nothing."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "not_queued"
    job = Job.objects.select_related("owner").get(pk=job_id)
    kind = get_kind(job.kind)
    try:
        if kind is None:  # unregistered since it was queued: it fails like any other crash
            raise LookupError(f"no job kind {job.kind!r}")
        # Messages a job writes (an import's row errors) are in the language of whoever started it.
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            outcome = kind.run(job, _Progress(job.pk))
    except JobRejected as exc:
        _finish(job, status=JobStatus.FAILED, error_code=exc.code, errors=exc.errors, file=exc.file)
        return JobStatus.FAILED
    except Busy:
        # A row it needed stayed locked past LOCK_TIMEOUT_MS (core.locking): nothing was written,
        # and the page says to start it again, which is no crash.
        _finish(job, status=JobStatus.FAILED, error_code=Busy.CODE)
        return JobStatus.FAILED
    except Exception:
        # A programming error or a broken file: the page says it failed, the log has the traceback.
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, status=JobStatus.FAILED, error_code="crashed")
        return JobStatus.FAILED
    _finish(job, status=JobStatus.DONE, outcome=outcome or Outcome())
    return JobStatus.DONE


def _finish(
    job: Job,
    *,
    status: str,
    outcome: Outcome | None = None,
    error_code: str = "",
    errors: list[dict[str, Any]] | None = None,
    file: tuple[str, IO[bytes]] | None = None,
) -> None:
    job.refresh_from_db(fields=["done", "total"])  # the progress writes went straight to the row
    job.status = status
    job.error_code = error_code
    job.errors = list(errors or (outcome.errors if outcome else []))
    job.finished_at = timezone.now()
    fields = ["status", "error_code", "errors", "finished_at", "done", "total", "counts", "result"]
    if outcome is not None:
        job.counts = dict(outcome.counts)
        job.result = dict(outcome.result)
        if job.total is not None:
            job.done = job.total
        file = outcome.file
    if file is not None:
        name, stream = file
        stream.seek(0)
        suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
        job.file.save(f"job-{job.pk}.{suffix}", File(stream), save=False)
        job.file_name = name
        fields += ["file", "file_name"]
    job.save(update_fields=fields)
