"""No 500 when a dependency blinks (issue 25, item 3): a GET is asked again once, else a 503."""

import pytest
from django.test import TestCase
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import Role
from jobs import tasks
from jobs.models import Job, JobStatus
from tests.factories import make_campaign, make_user
from tests.photocapture import blink_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.photocapture.blink_urls")]

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def blinking():
    blink_urls.STATE.update(fail=0, calls=0, error="db")
    return blink_urls.STATE


def test_a_get_whose_connection_drops_is_asked_again_once_and_succeeds(client, blinking):
    blinking["fail"] = 1
    response = client.get("/blink/")
    assert response.status_code == 200 and response.content == b"ok"
    assert blinking["calls"] == 2


def test_a_get_that_fails_again_answers_503_with_retry_after_and_a_page(client, blinking):
    blinking["fail"] = 5
    response = client.get("/blink/")
    assert blinking["calls"] == 2  # once, then once more: never a loop
    assert response.status_code == 503 and response["Retry-After"] == "3"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "请稍后重试" in html and "系统暂时不可用" in html and "请在 3 秒后刷新本页" in html


def test_a_post_is_not_asked_again_and_a_script_gets_the_code(client, blinking):
    blinking["fail"] = 1
    response = client.post("/blink/", {}, **FETCH)
    assert blinking["calls"] == 1
    assert response.status_code == 503 and response["Retry-After"] == "3"
    body = response.json()
    assert body["outcome"] == "unavailable" and body["code"] == "db_unavailable" and body["ok"] is False
    assert body["retry_after"] == 3 and "系统暂时不可用" in body["message"]


def test_the_page_is_translated(client, blinking, settings):
    blinking["fail"] = 5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/blink/").content.decode()
    assert "系统暂时不可用" not in html and "temporarily unavailable" in html


def test_a_blink_before_the_view_is_a_503_too_and_a_get_is_asked_again(client, blinking, settings):
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "tests.photocapture.blink_urls.blinking_middleware",
        *settings.MIDDLEWARE[1:],
    ]
    client.raise_request_exception = False  # Django reports it to handler500, as in production
    blinking["fail"] = 1
    response = client.get("/blink-early/")
    assert response.status_code == 200 and response.content == b"early ok" and blinking["calls"] == 2
    blinking.update(fail=5, calls=0)
    response = client.post("/blink-early/", {}, **FETCH)
    assert response.status_code == 503 and response.json()["code"] == "db_unavailable" and blinking["calls"] == 1


def test_redis_going_away_under_a_view_is_a_503_too(client, blinking):
    blinking.update(fail=1, error="redis")
    response = client.post("/blink/", {}, **FETCH)
    assert response.status_code == 503 and response.json()["code"] == "queue_unavailable"


def test_a_bug_is_still_a_500(client, blinking):
    client.raise_request_exception = False
    blinking.update(fail=5, error="bug")
    response = client.get("/blink/")
    assert response.status_code == 500 and blinking["calls"] == 1


@pytest.mark.parametrize(
    "error",
    [
        BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        RuntimeError("anything else the client library raises"),
    ],
)
def test_a_broker_down_at_commit_leaves_the_job_for_the_sweeper_not_a_500(client, settings, error):
    """The click's work is committed; the message that could not be sent is sent by the sweeper."""
    from celery import current_app

    campaign = make_campaign()
    client.force_login(make_user(Role.STAFF))
    run_job = current_app.tasks["jobs.run_job"]

    def broker_down(*args, **kwargs):
        raise error

    url = reverse("export", args=["roster"]) + f"?campaign={campaign.code}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(current_app.conf, "task_always_eager", False)
        patch.setattr(run_job, "apply_async", broker_down)
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url)
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED
    # The broker is back; the sweeper sends what was left queued.
    settings.JOBS_REQUEUE_QUEUED_AFTER_SECONDS = 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert tasks.sweep_queued() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.file_name
