from celery import shared_task

from core.taskbase import BaseTask

from . import orphans, selectors, services


@shared_task(base=BaseTask, name=services.CHECK_PHOTO_TASK, soft_time_limit=60, time_limit=90)
def check_retake_photo(photo_id: int) -> str | None:
    photo = services.run_photo_check(photo_id=photo_id)
    return photo.check_status if photo else None


@shared_task(base=BaseTask, name="retakes.sweep_pending_checks")
def sweep_pending_checks() -> int:
    """Beat: photos whose check job never reached a worker (broker down at upload) are queued again."""
    ids = selectors.photos_to_recheck()
    for photo_id in ids:
        check_retake_photo.send_now(photo_id)
    return len(ids)


@shared_task(base=BaseTask, name="retakes.sweep_orphan_photo_files")
def sweep_orphan_photo_files() -> int:
    """Beat, nightly: photo files whose row never committed (a worker killed mid-upload) are deleted."""
    return orphans.sweep_orphan_photo_files()
