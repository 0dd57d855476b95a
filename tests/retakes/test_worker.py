"""The photo check as a real Celery job: Redis broker, a separate worker process, PostgreSQL.

Run with e.g. REDIS_URL=redis://127.0.0.1:6379/3 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_retakes
"""

import signal

import pytest

from photocapture.celery import app as celery_app
from retakes import services
from retakes.models import Channel, CheckStatus, Reason, RetakeEvent, RetakePhoto, Status
from retakes.tasks import check_retake_photo
from tests.worker_support import Worker, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(settings):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def worker(tmp_path, settings, broker):
    started = Worker(tmp_path / "worker.log", settings, "retakes-test")
    try:
        yield started.log
    finally:
        started.stop()


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


def test_a_worker_killed_mid_check_leaves_the_photo_to_be_checked_exactly_once(
    tmp_path, settings, broker, student, student_user, photos
):
    # The first worker hangs after measuring and before recording; it is killed there.
    slow = Worker(tmp_path / "slow.log", settings, "retakes-slow", RETAKES_TEST_CHECK_DELAY="60")
    request = services.create_request(student=student, actor=student_user, reason=Reason.ABROAD, channel=Channel.PROXY)
    photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    wait_until(lambda: "measured, held before recording" in slow.text(), timeout=60, what="the job inside its check")
    slow.stop(signal.SIGKILL)
    photo.refresh_from_db()
    assert photo.check_status == CheckStatus.PENDING

    # The message was never acknowledged: the next worker gets it once its visibility timeout
    # passes (and the sweeper would queue it too); either way one check is recorded.
    # kombu scans for lost messages every interval x throttle seconds (100 s by default).
    fresh = Worker(
        tmp_path / "fresh.log",
        settings,
        "retakes-fresh",
        CELERY_VISIBILITY_TIMEOUT="5",
        CELERY_UNACKED_RESTORE_INTERVAL="2",
        CELERY_UNACKED_RESTORE_THROTTLE="1",
    )
    try:
        check_retake_photo.delay(photo.pk)  # what retakes.sweep_pending_checks sends

        def checked():
            photo.refresh_from_db()
            return photo.check_status != CheckStatus.PENDING

        wait_until(checked, timeout=120, what=f"the check; log:\n{fresh.text()}")
        # Let the restored message (visibility timeout 5 s) arrive too: it must change nothing.
        wait_until(
            lambda: fresh.text().count("succeeded") >= 2, timeout=60, what=f"the duplicate; log:\n{fresh.text()}"
        )
        photo.refresh_from_db()
        assert photo.check_status == CheckStatus.PASSED and photo.checked_at is not None
        request.refresh_from_db()
        assert request.status == Status.CHECKED
        moved = RetakeEvent.objects.filter(request=request, to_status=Status.CHECKED).count()
        assert moved == 1
    finally:
        fresh.stop()
