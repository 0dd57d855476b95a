"""A job whose worker is killed with -9 mid-run ends (issue 25, item 2), with a real worker.

Run with e.g. REDIS_URL=redis://127.0.0.1:6379/3 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_jobs
"""

import signal
import time

import pytest
from django.utils import timezone

from accounts.models import Role
from jobs import services, tasks
from jobs.models import Job, JobStatus
from photocapture.celery import app as celery_app
from tests.factories import make_campaign, make_user
from tests.worker_support import Worker, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE = {"JOBS_LEASE_SECONDS": "3", "JOBS_HEARTBEAT_SECONDS": "0.5"}


@pytest.fixture
def broker(settings):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def test_a_job_whose_worker_is_killed_is_resumed_by_the_sweep_and_ends_once(tmp_path, settings, broker):
    settings.JOBS_LEASE_SECONDS = 3
    campaign = make_campaign()
    owner = make_user(Role.STAFF)
    slow = Worker(tmp_path / "slow.log", settings, "jobs-slow", JOBS_TEST_RUN_DELAY="60", **LEASE)
    try:
        job = services.start_job(
            kind="export", key="kill-test", owner=owner, params={"name": "roster", "campaign_id": campaign.pk}
        )
        wait_until(lambda: "held 60.0s before it runs" in slow.text(), timeout=60, what=f"the job; log:\n{slow.text()}")
        # Alive but silent (an export reports no progress): the heartbeat keeps its lease.
        time.sleep(4)
        assert services.recover_expired() == []
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.attempts == 1 and not job.interruptions
    finally:
        slow.stop(signal.SIGKILL)
    # Killed: nobody renews the lease; once it has run out the sweeper resumes the job.
    wait_until(
        lambda: Job.objects.filter(pk=job.pk, lease_expires_at__lt=timezone.now()).exists(),
        timeout=30,
        what="the lease",
    )
    fresh = Worker(tmp_path / "fresh.log", settings, "jobs-fresh", **LEASE)
    try:
        assert tasks.sweep_queued() == 1

        def ended():
            job.refresh_from_db()
            return job.status in (JobStatus.DONE, JobStatus.FAILED)

        wait_until(ended, timeout=60, what=f"the resumed job; log:\n{fresh.text()}")
    finally:
        fresh.stop()
    assert job.status == JobStatus.DONE and job.file_name.endswith(".xlsx") and job.attempts == 2
    assert [i["code"] for i in job.interruptions] == ["lease_expired"]
    assert services.run_job(job_id=job.pk) == "not_queued"  # the killed worker's message, if it comes back
