"""The photo check as a real Celery job: Redis broker, a separate worker process, PostgreSQL.

Run with e.g. REDIS_URL=redis://127.0.0.1:6379/3 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_retakes
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from photocapture.celery import app as celery_app
from retakes import services
from retakes.models import Channel, CheckStatus, Reason, RetakeEvent, RetakePhoto, Status
from retakes.tasks import check_retake_photo
from tests.worker_support import database_url, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def worker(tmp_path, settings):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = tmp_path / "worker.log"
    handle = log.open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "photocapture", "worker", "--pool=solo", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "retakes-test@%h",
        ],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until(lambda: "ready." in log.read_text(errors="replace"), timeout=60, what="the worker to start")
        yield log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        handle.close()
        celery_app.control.purge()
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def test_worker_checks_an_uploaded_photo_once(worker, student, student_user, photos):
    request = services.create_request(student=student, actor=student_user, reason=Reason.ABROAD, channel=Channel.PROXY)
    photo = services.submit_photo(request=request, data=photos["face_too_small"], actor=student_user)
    assert photo.check_status == CheckStatus.PENDING  # nothing ran in this process

    def checked():
        photo.refresh_from_db()
        return photo.check_status != CheckStatus.PENDING

    wait_until(checked, timeout=60, what=f"the check job; worker log:\n{worker.read_text(errors='replace')}")
    assert photo.check_status == CheckStatus.FAILED
    assert [f["code"] for f in photo.findings] == ["face_width"]
    request.refresh_from_db()
    assert request.status == Status.CHECKED

    # A redelivered or duplicated job finds the photo no longer pending and changes nothing.
    events = RetakeEvent.objects.filter(request=request).count()
    check_retake_photo.delay(photo.pk)
    wait_until(
        lambda: worker.read_text(errors="replace").count("succeeded") >= 2,
        timeout=60,
        what="the duplicate job",
    )
    assert RetakeEvent.objects.filter(request=request).count() == events
    assert RetakePhoto.objects.get(pk=photo.pk).checked_at == photo.checked_at
