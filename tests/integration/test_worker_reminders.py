"""A real Celery worker on the machine's Redis: fan reminders out, kill the worker mid-way,
start another, and find every student reminded exactly once on every channel."""

import collections
import datetime
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.tasks import send_reminders
from photocapture.celery import app as celery_app
from sessions_app.idcard import make_id_number
from sessions_app.models import Student
from tests.factories import bulk_captures, make_campaign, make_college, make_slot
from tests.worker_support import database_url, wait_until
from verification.reminders import send_verification_reminders

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
STUDENTS = 240
TODAY = datetime.date(2020, 12, 22)  # the d-14 step for captures of 2020-11-26 (due 2021-01-05)
HANG_EVERY = 40  # every 40th student's SMS blocks while the hang file exists


class Worker:
    def __init__(self, name: str, env: dict, log: Path):
        self.log = log
        self.handle = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "photocapture", "worker",
                "--pool=prefork", "--concurrency=2", "--loglevel=INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h",
            ],
            cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: "ready." in log.read_text(errors="replace"), timeout=60, what=f"{name} to start")

    def kill(self):
        """SIGKILL the whole process group: the main process and its pool children die at once."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.handle.close()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()


@pytest.fixture
def broker():
    celery_app.conf.task_always_eager = False  # this process publishes to the real broker
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def _roster(campaign) -> list[Student]:
    college = make_college("经济管理学院")
    slot = make_slot(campaign, date=datetime.date(2020, 11, 26))
    students = Student.objects.bulk_create(
        Student(
            campaign=campaign,
            student_no=f"2017{n:06d}",
            name=f"学生{n}",
            id_number=make_id_number(area="210202", birth=datetime.date(1999, 1, 1), sequence=n),
            college=college,
            phone=f"139{n:08d}",
            email=f"s{n}@example.edu.cn",
        )
        for n in range(1, STUDENTS + 1)
    )
    captured_at = datetime.datetime(2020, 11, 26, 9, 0, tzinfo=datetime.UTC)
    bulk_captures(campaign, slot, students, captured_at)
    return students


def test_killed_worker_reminds_everyone_exactly_once(broker, tmp_path):
    assert connection.vendor == "postgresql"
    campaign = make_campaign(verification_window=40)
    students = _roster(campaign)
    hang_phones = [s.phone for i, s in enumerate(students, 1) if i % HANG_EVERY == 0]
    hang_file = tmp_path / "hang"
    hang_file.touch()
    sms_file, mail_dir = tmp_path / "sms.log", tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "photocapture.settings",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Recover a dead worker's messages in seconds rather than an hour.
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "NOTIFICATIONS_SENDING_LEASE_SECONDS": "3",
        "NOTIFICATIONS_SEND_CHUNK": "10",
        "NOTIFICATIONS_TEST_SEND_DELAY": "0.005",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "tests.integration.backends.HangingFileSmsBackend",
        "SMS_FILE_PATH": str(sms_file),
        "SMS_TEST_HANG_FILE": str(hang_file),
        "SMS_TEST_HANG_PHONES": ",".join(hang_phones),
        "LOG_LEVEL": "WARNING",
    }
    first = Worker("verif-first", env, tmp_path / "worker1.log")
    second = None
    try:
        send_reminders.delay(campaign.pk, TODAY.isoformat(), 9)  # the 09:00 rules: the CHSI deadline reminder
        # Both pool processes end up blocked on a hung phone, each holding a claimed delivery.
        wait_until(
            lambda: Delivery.objects.filter(status=DeliveryStatus.SENDING, address__in=hang_phones).count() == 2,
            timeout=90,
            what="both worker processes to block mid-send",
        )
        sent_before_kill = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
        first.kill()
        hang_file.unlink()
        assert 0 < sent_before_kill < 2 * STUDENTS, "the kill must land in the middle of the fan-out"
        assert Notification.objects.filter(kind="verification_due").count() == STUDENTS

        second = Worker("verif-second", env, tmp_path / "worker2.log")
        wait_until(
            lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2 * STUDENTS,
            timeout=120,
            what="every delivery to be sent after the restart",
        )
        # A second run of the fan-out (beat firing twice) records nothing new.
        again = send_verification_reminders(campaign=campaign, today=TODAY)
        assert again.total == 0
    finally:
        first.kill()
        if second is not None:
            second.stop()

    per_student = collections.Counter(
        Notification.objects.filter(kind="verification_due").values_list("student_id", "step")
    )
    assert per_student == {(s.pk, "d-14"): 1 for s in students}
    deliveries = Delivery.objects.all()
    assert deliveries.count() == 2 * STUDENTS
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # The blocked deliveries were taken over from the dead worker, not lost.
    assert deliveries.filter(attempts__gte=2).count() >= 2

    sms_lines = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert collections.Counter(line["phone"] for line in sms_lines) == {s.phone: 1 for s in students}
    recipients = collections.Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                recipients[line[4:].strip()] += 1
    assert recipients == {s.email: 1 for s in students}
    assert all(timezone.is_aware(d.sent_at) for d in deliveries[:5])
