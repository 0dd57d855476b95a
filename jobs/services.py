"""Start a background job once, run it, and record its progress and result."""

import contextlib
import datetime
import logging
import secrets
import threading
import time
from typing import IO, Any

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone, translation

from accounts.models import User
from core.errors import Busy
from core.locking import lock_row
from core.taskbase import TRANSIENT_ERRORS

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


# Why a job was taken over or failed when its worker went away (Job.interruptions, Job.error_code).
LEASE_EXPIRED = "lease_expired"


class LeaseLost(Exception):
    """The job was taken over while this runner still worked on it: it stops and writes nothing."""


def _stale_after() -> datetime.timedelta:
    # A row written before leases existed: past the task's hard time limit nobody runs it any more.
    return datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60)


def _lease_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(seconds=settings.JOBS_LEASE_SECONDS)


def _lease_expired(now: datetime.datetime) -> Q:
    return Q(status=JobStatus.RUNNING) & (
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, started_at__lt=now - _stale_after())
    )


def start_job(*, kind: str, key: str, owner: User, params: dict[str, Any] | None = None, enqueue: bool = True) -> Job:
    """The job already queued or running for (kind, key), or a new one enqueued after commit.

    `enqueue=False` leaves a new job queued for the caller to run in its own request (a small
    import, jobs.imports): should that request die first, jobs.sweep_queued sends it later.

    A running job whose worker is gone (its lease ran out) is not landed on: it is failed with
    the code "lease_expired" and the click starts a fresh run.
    """
    if get_kind(kind) is None:
        raise JobError("unknown_kind", kind)
    now = timezone.now()
    for dead_id in Job.objects.filter(_lease_expired(now), kind=kind, key=key).values_list("id", flat=True):
        try:
            recover(job_id=dead_id, now=now, resume=False)
        except Busy:  # its runner holds the row after all: the click lands on that job
            pass
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
    if enqueue:
        current_app.tasks[RUN_JOB_TASK].enqueue(job.pk)
    return job


def recover(*, job_id: int, now: datetime.datetime | None = None, resume: bool = True) -> str | None:
    """A running job whose lease ran out: queued again (resumed) or failed; None if it is not one.

    It is failed, with the code "lease_expired", when `resume` is False (a new click starts a fresh
    run instead) or once it has been run settings.JOBS_MAX_ATTEMPTS times (a job that kills its
    worker every time must end). Either way the interruption is recorded with its code.
    """
    now = now or timezone.now()
    with transaction.atomic():
        job = lock_row(Job.objects.filter(_lease_expired(now), pk=job_id), required=False)
        if job is None:
            return None
        job.interruptions = [
            *job.interruptions,
            {"code": LEASE_EXPIRED, "at": now.isoformat(), "attempt": job.attempts, "done": job.done},
        ]
        job.lease_token = ""
        job.lease_expires_at = None
        if resume and job.attempts < settings.JOBS_MAX_ATTEMPTS:
            job.status = JobStatus.QUEUED
            job.done = 0
        else:
            job.status = JobStatus.FAILED
            job.error_code = LEASE_EXPIRED
            job.finished_at = now
        job.save(
            update_fields=[
                "interruptions", "lease_token", "lease_expires_at", "status", "done", "error_code", "finished_at"
            ]
        )  # fmt: skip
    logger.warning("job %s (%s) lost its worker after %s run(s): %s", job.pk, job.kind, job.attempts, job.status)
    return str(job.status)


def recover_expired(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """The sweeper's part: every running job whose lease ran out, resumed or failed; the resumed ids."""
    now = now or timezone.now()
    dead = Job.objects.filter(_lease_expired(now)).order_by("id").values_list("id", flat=True)[:limit]
    resumed = []
    for job_id in list(dead):
        try:
            if recover(job_id=job_id, now=now) == JobStatus.QUEUED:
                resumed.append(job_id)
        except Busy:  # its row is locked (its runner is writing after all): the next sweep looks again
            logger.warning("job %s: row locked, left for the next sweep", job_id)
    return resumed


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


class _Progress:
    """The kind's progress(done, total): written at most every PROGRESS_INTERVAL_S, renewing the lease."""

    def __init__(self, job_id: int, token: str):
        self.job_id = job_id
        self.token = token
        self.last = 0.0
        # Transactions open when the run began (none in a worker; a test's own).
        self.outer = len(connection.atomic_blocks)

    def __call__(self, done: int, total: int | None = None) -> None:
        if len(connection.atomic_blocks) > self.outer:
            # Called inside the kind's own transaction (an all-or-nothing import): nobody would
            # see the write before the commit, and it would hold the job's row locked till then,
            # stalling the heartbeat that keeps the lease. The heartbeat renews it meanwhile.
            return
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_S and (total is None or done < total):
            return
        self.last = now
        fields: dict[str, Any] = {"done": done if total is None else min(done, total)}
        if total is not None:
            fields["total"] = total
        fields["lease_expires_at"] = _lease_until(timezone.now())
        if not _held(self.job_id, self.token).update(**fields):
            raise LeaseLost(self.job_id)


def _held(job_id: int, token: str) -> Any:
    return Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, lease_token=token)


class _Heartbeat:
    """Renews the lease from a thread while the kind works (an export reports no progress).

    Only in a real worker: the thread has its own database connection, closed when it stops.
    """

    def __init__(self, job_id: int, token: str):
        self.job_id = job_id
        self.token = token
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> "_Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        try:
            while not self.stop.wait(settings.JOBS_HEARTBEAT_SECONDS):
                try:
                    if not _held(self.job_id, self.token).update(lease_expires_at=_lease_until(timezone.now())):
                        return  # taken over or ended
                except TRANSIENT_ERRORS as exc:
                    # The database blinked: try again next beat on a fresh connection.
                    logger.warning("job %s heartbeat failed: %r", self.job_id, exc)
                    connection.close()
        finally:
            connection.close()


def run_job(*, job_id: int, heartbeat: bool = False) -> str:
    """Run one job to its end; returns its final status.

    A queued job is claimed; a running one whose lease ran out (its worker died, or this task's
    own earlier try lost the database) is taken over through `recover`. A job running under a
    live lease answers "leased", a finished one "not_queued": a second delivery does nothing.
    """
    state = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if state == JobStatus.RUNNING:
        recover(job_id=job_id)
    token = secrets.token_hex(16)
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        lease_token=token,
        lease_expires_at=_lease_until(now),
        attempts=models.F("attempts") + 1,
    )
    if not claimed:
        now_state = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return "leased" if now_state == JobStatus.RUNNING else "not_queued"
    job = Job.objects.select_related("owner").get(pk=job_id)
    kind = get_kind(job.kind)
    try:
        if kind is None:  # unregistered since it was queued: it fails like any other crash
            raise LookupError(f"no job kind {job.kind!r}")
        # Messages a job writes (an import's row errors) are in the language of whoever started it.
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            with _Heartbeat(job.pk, token) if heartbeat else contextlib.nullcontext():
                if settings.JOBS_TEST_RUN_DELAY:  # widens the window for the kill test
                    logger.warning("job %s held %ss before it runs", job.pk, settings.JOBS_TEST_RUN_DELAY)
                    time.sleep(settings.JOBS_TEST_RUN_DELAY)
                outcome = kind.run(job, _Progress(job.pk, token))
    except LeaseLost:
        logger.warning("job %s (%s) was taken over; this run stops", job.pk, job.kind)
        return "lease_lost"
    except JobRejected as exc:
        _finish(job, token, status=JobStatus.FAILED, error_code=exc.code, errors=exc.errors, file=exc.file)
        return JobStatus.FAILED
    except Busy:
        # A row it needed stayed locked past LOCK_TIMEOUT_MS (core.locking): nothing was written,
        # and the page says to start it again, which is no crash.
        _finish(job, token, status=JobStatus.FAILED, error_code=Busy.CODE)
        return JobStatus.FAILED
    except TRANSIENT_ERRORS:
        # The database or broker went away mid-run: no crash of the job. Its lease is given up
        # (when the database answers) so the task's retry takes it over at once; else the lease
        # runs out and the retry or the sweeper resumes it.
        _release(job.pk, token)
        raise
    except Exception:
        # A programming error or a broken file: the page says it failed, the log has the traceback.
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, token, status=JobStatus.FAILED, error_code="crashed")
        return JobStatus.FAILED
    if not _finish(job, token, status=JobStatus.DONE, outcome=outcome or Outcome()):
        return "lease_lost"
    return JobStatus.DONE


def _release(job_id: int, token: str) -> None:
    try:
        if not connection.in_atomic_block:
            connection.close()  # the broken connection; the next query opens a fresh one
        _held(job_id, token).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    except TRANSIENT_ERRORS:
        pass


def _finish(
    job: Job,
    token: str,
    *,
    status: str,
    outcome: Outcome | None = None,
    error_code: str = "",
    errors: list[dict[str, Any]] | None = None,
    file: tuple[str, IO[bytes]] | None = None,
) -> bool:
    """Record the end, only while this runner holds the lease; False (nothing written) otherwise.

    The file is written inside the transaction that records it. A failure before the commit (the
    database gone while the row is saved) deletes it again. A process that dies before the commit,
    or a commit whose answer is lost, leaves it under the job's own name: the run that resumes the
    job writes over it, or it is the job's file after all. No second copy is left that no job
    names, which nothing would ever expire.
    """
    with transaction.atomic():
        held = lock_row(_held(job.pk, token).only("id", "done", "total"), required=False)
        if held is None:
            logger.warning("job %s (%s) ended after it was taken over; its result is dropped", job.pk, job.kind)
            return False
        job.done, job.total = held.done, held.total  # the progress writes went straight to the row
        job.status = status
        job.error_code = error_code
        job.errors = list(errors or (outcome.errors if outcome else []))
        job.finished_at = timezone.now()
        job.lease_token = ""
        job.lease_expires_at = None
        fields = ["status", "error_code", "errors", "finished_at", "done", "total", "counts", "result"]
        fields += ["lease_token", "lease_expires_at"]
        if outcome is not None:
            job.counts = dict(outcome.counts)
            job.result = dict(outcome.result)
            if job.total is not None:
                job.done = job.total
            file = outcome.file
        written = ""
        try:
            if file is not None:
                name, stream = file
                stream.seek(0)
                suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
                job.file.name = written = _store(job, f"job-{job.pk}.{suffix}", stream)
                job.file_name = name
                fields += ["file", "file_name"]
            job.save(update_fields=fields)
        except BaseException:
            if written:
                job.file.storage.delete(written)
            raise
    return True


def _store(job: Job, filename: str, stream: IO[bytes]) -> str:
    """Write the job's file under its own name, replacing what an earlier run of this job wrote
    before it died unrecorded (only the lease holder gets here, under the job's row lock)."""
    storage = job.file.storage
    target = job.file.field.generate_filename(job, filename)
    if storage.exists(target):
        storage.delete(target)
    return storage.save(target, File(stream), max_length=job.file.field.max_length)
