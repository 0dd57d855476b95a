"""Beat's sweep of staged imports: expired files (they hold ID numbers) go without a new upload."""

import datetime
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from intake import staging
from jobs.tasks import sweep_staged_uploads
from photocapture.beat import schedule


def test_expired_staged_uploads_of_every_kind_are_deleted_and_fresh_ones_kept(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    old = time.time() - staging.MAX_AGE_SECONDS - 1
    expired = []
    for kind in ("roster", "chsi", "payments"):
        token = staging.store(kind, "320102200001011234,张三".encode())
        path = staging.path_for(kind, token)
        os.utime(path, (old, old))
        expired.append(path)
    fresh = staging.path_for("roster", staging.store("roster", b"fresh"))
    # A new upload sweeps only its own kind (the roster one went); the others wait for beat.
    assert [path.exists() for path in expired] == [False, True, True]

    assert sweep_staged_uploads.apply().result == 2
    assert not any(path.exists() for path in expired)
    assert fresh.exists() and fresh.read_bytes() == b"fresh"
    assert sweep_staged_uploads.apply().result == 0  # a second run is harmless


def test_beat_runs_the_sweep():
    entries = schedule(daily_at_overrides=[], sweep_every_seconds=300)
    assert entries["jobs.sweep_staged_uploads"] == {"task": "jobs.sweep_staged_uploads", "schedule": 300}


def test_beat_expires_job_files():
    entries = schedule(daily_at_overrides=[], sweep_every_seconds=300)
    assert entries["jobs.expire_files"] == {"task": "jobs.expire_files", "schedule": 300}


@pytest.mark.django_db
def test_a_rejected_imports_bad_rows_with_full_id_numbers_go_when_the_jobs_file_expires(client, settings, tmp_path):
    """The bad rows are kept whole (the clerk fixes them in Excel), and only for JOBS_FILE_MAX_AGE_SECONDS."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import TestCase
    from django.urls import reverse

    from jobs.models import Job
    from jobs.tasks import expire_files
    from tests.roster_world import build_world, id_for, student_row, write_xlsx

    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_BACKGROUND_ROWS = 2
    world = build_world()
    client.force_login(world.staff)
    rows = [student_row(0), student_row(1, 学院="天文学院"), student_row(2, 学院="天文学院")]
    upload = SimpleUploadedFile("名单.xlsx", write_xlsx(tmp_path / "bad.xlsx", rows).read_bytes())
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("roster:upload"), {"campaign": world.campaign.pk, "file": upload})
    job = Job.objects.get()
    stored = Path(job.file.path)
    assert job.status == "failed" and id_for(1) in stored.read_text()  # whole: the download needs it
    fresh = Job.objects.create(kind=job.kind, key="fresh", owner=world.staff, status="failed")
    fresh.file.save("job-fresh.json", ContentFile(b"{}"))
    fresh.finished_at = timezone.now()
    fresh.save()

    assert expire_files.apply().result == 0  # not old yet
    Job.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(seconds=settings.JOBS_FILE_MAX_AGE_SECONDS + 1)
    )
    assert expire_files.apply().result == 1
    job.refresh_from_db()
    assert not stored.exists() and not job.file and job.file_name == "bad-rows.json"
    assert Path(Job.objects.get(pk=fresh.pk).file.path).exists()
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "结果文件已在任务结束 24 小时后删除" in page and 'id="job-file"' not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "The result file was deleted 24 hours after the job ended" in page
    assert expire_files.apply().result == 0  # a second run is harmless
