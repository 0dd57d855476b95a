"""Jobs always end: a running job holds a lease; once its worker is gone it is resumed or failed."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from jobs import services, tasks
from jobs.models import Job, JobStatus
from jobs.registry import Outcome, register
from tests.factories import make_user

pytestmark = pytest.mark.django_db

RUNS: list[tuple[int, int]] = []


@register("test.lease", title="测试租约", counts={"rows": "处理行数"})
def _lease_kind(job, progress):
    job.refresh_from_db(fields=["attempts"])
    RUNS.append((job.pk, job.attempts))
    total = job.params.get("total", 4)
    for done in range(1, total + 1):
        progress(done, total)
    return Outcome(counts={"rows": total, "attempt": job.attempts})


@pytest.fixture(autouse=True)
def _clear_runs():
    RUNS.clear()


def killed_mid_run(*, attempts=1, key="k", owner=None) -> Job:
    """A job a worker took, reported half its rows, then died (kill -9): its lease ran out."""
    now = timezone.now()
    return Job.objects.create(
        kind="test.lease", key=key, owner=owner or make_user(Role.STAFF), params={"total": 4},
        status=JobStatus.RUNNING, started_at=now - datetime.timedelta(minutes=2), done=2, total=4,
        lease_token="dead-worker", lease_expires_at=now - datetime.timedelta(seconds=1), attempts=attempts,
    )  # fmt: skip


def test_a_job_killed_mid_run_is_resumed_by_the_sweep_and_ends(client):
    job = killed_mid_run()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert tasks.sweep_queued() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == 4
    assert job.counts == {"rows": 4, "attempt": 2} and job.attempts == 2
    assert job.lease_token == "" and job.lease_expires_at is None
    # Why it was run again is recorded, as a code.
    assert [(i["code"], i["attempt"], i["done"]) for i in job.interruptions] == [("lease_expired", 1, 2)]
    assert RUNS == [(job.pk, 2)]
    # The next sweep finds nothing: the job is over.
    assert tasks.sweep_queued() == 0
    client.force_login(job.owner)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已完成" in html and "处理这个任务的服务器曾停止 1 次，任务已自动重新开始" in html


def test_the_sweep_leaves_a_job_whose_worker_is_alive():
    job = killed_mid_run()
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() + datetime.timedelta(seconds=30))
    assert tasks.sweep_queued() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.lease_token == "dead-worker" and RUNS == []


def test_a_job_that_loses_its_worker_on_every_try_fails_with_why_and_its_page_says_what_to_do(client, settings):
    job = killed_mid_run(attempts=settings.JOBS_MAX_ATTEMPTS)
    assert tasks.sweep_queued() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == "lease_expired" and job.finished_at is not None
    assert RUNS == []
    client.force_login(job.owner)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "失败" in html and "处理它的服务器停止了" in html
    assert "请回到原来的页面再点一次重新开始" in html
    assert "任务已自动重新开始" not in html  # the one interruption ended it
    assert client.get(reverse("jobs:status", args=[job.pk])).json()["active"] is False


def test_the_failed_jobs_advice_is_translated(client, settings):
    job = killed_mid_run(attempts=settings.JOBS_MAX_ATTEMPTS)
    tasks.sweep_queued()
    client.force_login(job.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "处理它的服务器停止了" not in html
    assert "The task was interrupted: the server running this task stopped" in html


def test_the_workers_retry_takes_over_a_running_job_whose_lease_ran_out():
    job = killed_mid_run()
    # A retry while the lease is live does nothing (the first try may still be running)...
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() + datetime.timedelta(seconds=30))
    assert services.run_job(job_id=job.pk) == "leased" and RUNS == []
    # ...and takes the job over once it has run out.
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.run_job(job_id=job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.counts["attempt"] == 2 and len(job.interruptions) == 1


def test_a_rerun_does_not_record_its_result_twice():
    """The first runner was taken for dead but was only slow: its late writes are dropped."""
    owner = make_user(Role.STAFF)
    job = Job.objects.create(kind="test.lease", key="slow", owner=owner, params={"total": 4})
    seen: dict[str, object] = {}

    @register("test.lease.slow", title="测试慢任务")
    def _slow(job, progress):
        job.refresh_from_db(fields=["attempts"])
        attempt = job.attempts
        RUNS.append((job.pk, attempt))
        if attempt == 1:
            # Stalled past its lease; meanwhile the sweeper gave the job to another worker.
            Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
            seen["takeover"] = services.run_job(job_id=job.pk)
            seen["late_progress"] = _late(progress)
        return Outcome(counts={"attempt": attempt})

    def _late(progress):
        try:
            progress(4, 4)
        except services.LeaseLost:
            return "refused"
        return "written"

    Job.objects.filter(pk=job.pk).update(kind="test.lease.slow")
    assert services.run_job(job_id=job.pk) == "lease_lost"
    job.refresh_from_db()
    assert seen == {"takeover": JobStatus.DONE, "late_progress": "refused"}
    assert RUNS == [(job.pk, 1), (job.pk, 2)]
    # One result, the second run's; a delivery of the task after the end does nothing.
    assert job.status == JobStatus.DONE and job.counts == {"attempt": 2}
    assert services.run_job(job_id=job.pk) == "not_queued" and len(RUNS) == 2


def test_a_new_click_after_the_failure_starts_fresh():
    owner = make_user(Role.STAFF)
    dead = killed_mid_run(owner=owner, key="again")
    # The worker died and the sweeper has not come yet: the click does not land on the dead job.
    with TestCase.captureOnCommitCallbacks(execute=True):
        fresh = services.start_job(kind="test.lease", key="again", owner=owner, params={"total": 3})
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert dead.status == JobStatus.FAILED and dead.error_code == "lease_expired"
    assert fresh.pk != dead.pk and fresh.status == JobStatus.DONE and fresh.counts["rows"] == 3
    # A click after a failure starts fresh too.
    with TestCase.captureOnCommitCallbacks(execute=True):
        third = services.start_job(kind="test.lease", key="again", owner=owner)
    assert third.pk not in (dead.pk, fresh.pk)
    assert Job.objects.filter(key="again").count() == 3


def test_a_job_left_running_without_a_lease_by_an_older_version_ends_too(settings):
    job = killed_mid_run()
    Job.objects.filter(pk=job.pk).update(
        lease_expires_at=None,
        started_at=timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.sweep_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_progress_inside_the_kinds_own_transaction_leaves_the_jobs_row_alone():
    """An all-or-nothing import reports progress inside its transaction: writing it would hold the
    job's row locked until the commit, and the heartbeat that keeps the lease would wait behind it."""
    from django.db import transaction

    seen = {}

    @register("test.lease.atomic", title="测试事务内进度")
    def _atomic(job, progress):
        with transaction.atomic():
            progress(1, 2)
            seen["inside"] = Job.objects.get(pk=job.pk).done
        progress(2, 2)
        seen["after"] = Job.objects.get(pk=job.pk).done
        return Outcome()

    job = Job.objects.create(kind="test.lease.atomic", key="a", owner=make_user(Role.STAFF))
    assert services.run_job(job_id=job.pk) == JobStatus.DONE
    assert seen == {"inside": 0, "after": 2}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_finds_the_jobs_row_locked_leaves_it_for_the_next(hold_lock, settings):
    settings.LOCK_TIMEOUT_MS = 200
    job = killed_mid_run()
    with hold_lock(Job.objects.filter(pk=job.pk)):
        assert services.recover_expired() == []  # no Busy out of the sweep
    assert services.recover_expired() == [job.pk]
