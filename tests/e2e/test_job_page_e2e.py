"""A job's page in Chromium: the bar follows the job, and the result appears when it ends."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from jobs.models import Job, JobStatus
from tests.browser import logged_in_page
from tests.factories import make_user
from tests.jobs import test_jobs  # noqa: F401  (registers the test job kinds)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_progress_bar_follows_the_job_and_a_reload_keeps_it(browser, live_server):
    from playwright.sync_api import expect

    owner = make_user(Role.STAFF)
    job = Job.objects.create(
        kind="test.count", key="e2e", owner=owner, status=JobStatus.RUNNING, done=0, total=200,
        started_at=timezone.now(),
    )  # fmt: skip
    page = logged_in_page(browser, live_server, owner)
    page.goto(live_server.url + reverse("jobs:detail", args=[job.pk]))
    Job.objects.filter(pk=job.pk).update(done=50)
    expect(page.locator("#job-done")).to_have_text("50")
    assert page.locator("#job-progress").evaluate("el => el.value") == 25
    page.reload()
    expect(page.locator("#job-done")).to_have_text("50")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, done=200, counts={"rows": 200}, finished_at=timezone.now()
    )
    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator(".job-counts")).to_contain_text("处理行数：200")
