"""Celery in one place: one task base, one naming scheme, one beat schedule, today passed down."""

import pytest
from celery import shared_task
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from core.taskbase import BaseTask
from notifications import tasks as notification_tasks
from photocapture.beat import DAILY_AT, schedule
from photocapture.celery import app
from tests.factories import make_campaign

PROJECT_APPS = (
    "accounts",
    "jobs",
    "sessions_app",
    "fees",
    "verification",
    "retakes",
    "notifications",
    "capture_day",
    "privacy",
)


def project_tasks():
    app.loader.import_default_modules()  # autodiscovery is lazy: import every app's tasks.py
    return {name: task for name, task in app.tasks.items() if name.split(".")[0] in PROJECT_APPS}


def test_every_task_has_the_one_base_and_the_name_scheme():
    tasks = project_tasks()
    assert len(tasks) >= 10
    for name, task in tasks.items():
        assert isinstance(task, BaseTask), name
        module_app = task.__module__.split(".")[0]
        assert name == f"{module_app}.{task.__name__}", f"{name} is not <app>.<function>"
        assert task.autoretry_for == BaseTask.autoretry_for and task.max_retries == BaseTask.max_retries, name
        assert task.acks_late and task.reject_on_worker_lost, name


def test_beat_schedule_names_registered_tasks_only(settings):
    tasks = project_tasks()
    assert set(settings.CELERY_BEAT_SCHEDULE) >= set(DAILY_AT)
    for key, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] == key and key in tasks, key


def test_beat_times_move_from_the_environment():
    entries = schedule(daily_at_overrides=["privacy.erase_due_campaigns=07:45"], sweep_every_seconds=5)
    cron = entries["privacy.erase_due_campaigns"]["schedule"]
    assert cron.hour == {7} and cron.minute == {45}
    assert entries["retakes.sweep_pending_checks"]["schedule"] == 5


@pytest.mark.parametrize("item", ["privacy.erase_due_campaigns=25:00", "nope.job=09:00", "privacy.erase_due_campaigns"])
def test_bad_beat_time_is_a_configuration_error(item):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="BEAT_DAILY_AT"):
        schedule(daily_at_overrides=[item], sweep_every_seconds=5)


calls = {"n": 0}


@shared_task(base=BaseTask, name="tests.flaky")
def flaky(error: str) -> None:
    calls["n"] += 1
    raise {"db": OperationalError, "bug": TypeError, "missing": LookupError}[error]("boom")


@pytest.mark.parametrize(("error", "runs"), [("db", BaseTask.max_retries + 1), ("bug", 1), ("missing", 1)])
def test_only_transient_errors_are_retried(error, runs, monkeypatch):
    monkeypatch.setattr(flaky, "retry_backoff", False)
    monkeypatch.setattr(flaky, "default_retry_delay", 0)
    calls["n"] = 0
    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False  # eager retries re-apply
    try:
        result = flaky.apply((error,))
    finally:
        app.conf.task_eager_propagates = propagates
    assert result.failed()
    assert calls["n"] == runs


@pytest.mark.django_db
def test_fan_out_tells_every_child_the_day_it_started(monkeypatch):
    first, second = make_campaign(code="2021"), make_campaign(code="2022")
    sent = []
    monkeypatch.setattr(notification_tasks.send_reminders, "enqueue", lambda *args: sent.append(args))
    assert notification_tasks.send_reminders_all.apply(kwargs={"hour": 9}).get() == 2
    today = timezone.localdate().isoformat()
    assert sorted(sent) == sorted([(first.pk, today, 9), (second.pk, today, 9)])


@pytest.mark.django_db
def test_fan_out_rerun_for_a_given_day(monkeypatch):
    campaign = make_campaign(code="2021")
    sent = []
    monkeypatch.setattr(notification_tasks.send_reminders, "enqueue", lambda *args: sent.append(args))
    notification_tasks.send_reminders_all.apply(kwargs={"today": "2020-11-25"})
    assert sent == [(campaign.pk, "2020-11-25", None)]


def test_enqueue_with_the_broker_down_is_logged_not_raised(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(flaky, "apply_async", down)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        assert flaky.send_now("bug") is False
    finally:
        app.conf.task_always_eager = eager
    assert "left for the sweeper" in caplog.text
