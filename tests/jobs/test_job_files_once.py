"""A job's file is written once: a crash between writing it and recording it leaves no second
copy that no job names (an export's file holds ID numbers, and only a named file ever expires)."""

import datetime
import io
from pathlib import Path

import pytest
from django.db import OperationalError
from django.utils import timezone

from accounts.models import Role
from jobs import services
from jobs.models import Job, JobStatus
from jobs.registry import Outcome, register
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@register("test.file_once", title="测试文件")
def _with_file(job, progress):
    job.refresh_from_db(fields=["attempts"])
    return Outcome(counts={"attempt": job.attempts}, file=("名单.xlsx", io.BytesIO(f"run {job.attempts}".encode())))


def _files(media: Path) -> list[Path]:
    return sorted(p for p in (media / "jobs").rglob("*") if p.is_file()) if (media / "jobs").exists() else []


def _queued() -> Job:
    return Job.objects.create(kind="test.file_once", key="k", owner=make_user(Role.STAFF))


def test_a_database_failure_while_recording_the_file_deletes_it_and_the_resumed_run_writes_one(settings, monkeypatch):
    media = Path(settings.MEDIA_ROOT)
    job = _queued()
    real_save = Job.save

    def save_fails_once_the_file_is_written(self, *args, **kwargs):
        if "file" in (kwargs.get("update_fields") or ()):
            assert _files(media), "the file is written before its row is saved"
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Job, "save", save_fails_once_the_file_is_written)
    with pytest.raises(OperationalError):
        services.run_job(job_id=job.pk)
    assert _files(media) == []  # deleted with the failed transaction
    monkeypatch.setattr(Job, "save", real_save)

    # The lease runs out; the retry takes the job over and records one file.
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.run_job(job_id=job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert [p.name for p in _files(media)] == [f"job-{job.pk}.xlsx"]
    assert job.file.read() == b"run 2" and job.file_name == "名单.xlsx"


def test_a_worker_killed_after_writing_the_file_leaves_it_for_the_resumed_run_to_replace(settings):
    media = Path(settings.MEDIA_ROOT)
    job = _queued()
    # What a run killed (-9) between writing its file and committing the row leaves behind: the
    # file under the job's own name, the row still running under a lease that will run out.
    orphan = Job.file.field.generate_filename(job, f"job-{job.pk}.xlsx")
    (media / orphan).parent.mkdir(parents=True, exist_ok=True)
    (media / orphan).write_bytes(b"run 1, never recorded")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, lease_token="dead", lease_expires_at=timezone.now()
    )
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert services.run_job(job_id=job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.file.name == orphan
    assert [p.name for p in _files(media)] == [f"job-{job.pk}.xlsx"]  # replaced, no copy beside it
    assert job.file.read() == b"run 2"
