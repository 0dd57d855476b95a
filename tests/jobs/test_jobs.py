"""Background jobs: one per thing at a time, a page that survives a reload, a result that stays."""

import datetime
import io

import pytest
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.errors import Busy
from core.words import Words
from jobs import services
from jobs.models import Job, JobStatus
from jobs.registry import JobRejected, Outcome, register
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CALLS = []


@register("test.count", title="测试任务", counts={"rows": "处理行数"})
def _count_kind(job, progress):
    CALLS.append(job.pk)
    total = job.params.get("total", 3)
    for done in range(1, total + 1):
        progress(done, total)
    if job.params.get("file"):
        return Outcome(counts={"rows": total}, file=("结果.txt", io.BytesIO(b"hello")))
    return Outcome(counts={"rows": total})


@register("test.reject", title="测试拒绝", errors=Words({"student_no_empty": "学号为空"}, name="test.reject"))
def _reject_kind(job, progress):
    raise JobRejected("rejected", [{"code": "student_no_empty", "row": 3, "column": "学号"}])


@register("test.crash", title="测试出错")
def _crash_kind(job, progress):
    raise ValueError("boom")


@register("test.busy", title="测试行锁超时")
def _busy_kind(job, progress):
    raise Busy()


def run_started(**kwargs) -> Job:
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.start_job(**kwargs)
    job.refresh_from_db()
    return job


def test_second_start_while_queued_is_the_same_job():
    owner = make_user(Role.STAFF)
    first = services.start_job(kind="test.count", key="k1", owner=owner)
    second = services.start_job(kind="test.count", key="k1", owner=make_user(Role.STAFF))
    assert first.pk == second.pk and Job.objects.count() == 1
    assert services.start_job(kind="test.count", key="k2", owner=owner).pk != first.pk


def test_the_database_refuses_a_second_active_job_for_one_key():
    owner = make_user(Role.STAFF)
    Job.objects.create(kind="test.count", key="k", owner=owner, status=JobStatus.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="test.count", key="k", owner=owner)
    Job.objects.filter(key="k").update(status=JobStatus.DONE, finished_at=timezone.now())
    Job.objects.create(kind="test.count", key="k", owner=owner)  # once over, a new run may start
    assert Job.objects.filter(key="k").count() == 2


def test_progress_cannot_pass_the_total():
    owner = make_user(Role.STAFF)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="test.count", key="k", owner=owner, done=5, total=4)


def test_a_job_runs_once_and_keeps_its_result():
    CALLS.clear()
    job = run_started(kind="test.count", key="once", owner=make_user(Role.STAFF), params={"total": 4, "file": True})
    assert job.status == JobStatus.DONE and job.done == job.total == 4
    assert job.counts == {"rows": 4} and job.file_name == "结果.txt"
    assert services.run_job(job_id=job.pk) == "not_queued"  # a second delivery of the task
    assert CALLS == [job.pk]
    # After the end a new click starts a fresh run.
    again = run_started(kind="test.count", key="once", owner=job.owner)
    assert again.pk != job.pk and again.status == JobStatus.DONE


def test_unknown_kind_is_refused():
    with pytest.raises(services.JobError):
        services.start_job(kind="nope", key="x", owner=make_user(Role.STAFF))


def test_a_job_left_running_by_a_dead_worker_does_not_block_forever(settings):
    owner = make_user(Role.STAFF)
    stale = Job.objects.create(
        kind="test.count",
        key="s",
        owner=owner,
        status=JobStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120),
    )
    fresh = run_started(kind="test.count", key="s", owner=owner)
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED and stale.error_code == "lease_expired"
    assert fresh.pk != stale.pk and fresh.status == JobStatus.DONE


# --- pages --------------------------------------------------------------------------


def test_running_job_page_shows_progress_and_survives_a_reload(client):
    owner = make_user(Role.COORDINATOR)
    job = Job.objects.create(
        kind="test.count", key="p", owner=owner, status=JobStatus.RUNNING, done=250, total=1000,
        started_at=timezone.now(),
    )  # fmt: skip
    client.force_login(owner)
    for _reload in range(2):
        html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
        assert "测试任务" in html and "进行中" in html
        assert 'id="job-progress"' in html and 'value="25"' in html and "1000" in html
        assert "js/job.js" in html
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status == {
        "status": "running",
        "status_label": "进行中",
        "active": True,
        "done": 250,
        "total": 1000,
        "percent": 25,
        "file_url": "",
    }


def test_finished_job_page_shows_counts_and_the_file(client):
    owner = make_user(Role.COORDINATOR)
    job = run_started(kind="test.count", key="f", owner=owner, params={"total": 2, "file": True})
    client.force_login(owner)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已完成" in html and "处理行数：<strong>2</strong>" in html
    assert "js/job.js" not in html  # nothing left to poll
    response = client.get(reverse("jobs:file", args=[job.pk]))
    assert b"".join(response.streaming_content) == b"hello"
    assert client.get(reverse("jobs:status", args=[job.pk])).json()["file_url"] == reverse("jobs:file", args=[job.pk])


def test_rejected_job_lists_every_error_and_a_crash_says_so(client):
    owner = make_user(Role.STAFF)
    rejected = run_started(kind="test.reject", key="r", owner=owner)
    crashed = run_started(kind="test.crash", key="c", owner=owner)
    assert rejected.status == crashed.status == JobStatus.FAILED
    client.force_login(owner)
    html = client.get(reverse("jobs:detail", args=[rejected.pk])).content.decode()
    assert "未导入任何数据" in html and "第 3 行，学号 列：学号为空" in html
    html = client.get(reverse("jobs:detail", args=[crashed.pk])).content.decode()
    assert "任务出错，未完成" in html and "boom" not in html


def test_a_job_that_waited_too_long_on_a_lock_says_to_retry(client):
    owner = make_user(Role.STAFF)
    busy = run_started(kind="test.busy", key="b", owner=owner)
    assert busy.status == JobStatus.FAILED and busy.error_code == "lock_timeout"
    client.force_login(owner)
    html = client.get(reverse("jobs:detail", args=[busy.pk])).content.decode()
    assert "其他人正在处理同一条记录，请稍后重试" in html and "任务出错" not in html


def test_a_job_is_its_owners_and_staff(client):
    owner = make_user(Role.COORDINATOR)
    job = run_started(kind="test.count", key="v", owner=owner, params={"file": True})
    client.force_login(make_user(Role.COORDINATOR))
    for name in ("jobs:detail", "jobs:status", "jobs:file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.get("/jobs/99999999999999999999999/").status_code == 404
    client.force_login(make_user(Role.STAFF))
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 302  # to the login page


def test_status_endpoint_is_one_small_query(client, django_assert_max_num_queries):
    owner = make_user(Role.STAFF)
    job = Job.objects.create(kind="test.count", key="q", owner=owner)
    client.force_login(owner)
    client.get(reverse("jobs:status", args=[job.pk]))
    with django_assert_max_num_queries(3):  # session, user, job
        client.get(reverse("jobs:status", args=[job.pk]))


def test_my_jobs_list(client):
    owner = make_user(Role.STAFF)
    job = run_started(kind="test.count", key="l", owner=owner)
    client.force_login(owner)
    html = client.get(reverse("jobs:list")).content.decode()
    assert reverse("jobs:detail", args=[job.pk]) in html and "测试任务" in html
