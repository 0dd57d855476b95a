"""Driving the one import flow (jobs.imports) through its pages, as a user would: upload, the check
job's page (the preview), confirm, the import job's page. Shared by each import's flow tests."""

import re
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from jobs.models import Job


def job_of(response) -> Job:
    """The job a redirect goes to (the upload and confirm pages both end on a job's page)."""
    assert response.status_code == 302, response
    match = re.fullmatch(r"/jobs/(\d+)/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=int(match.group(1)))


def upload(client, url: str, data: bytes, *, name: str, fields: dict | None = None):
    """POST the file; (the check job, how many jobs were handed to a worker)."""
    with TestCase.captureOnCommitCallbacks() as queued:
        response = client.post(url, {**(fields or {}), "file": SimpleUploadedFile(name, data)})
    return job_of(response), len(queued)


def confirm(client, url: str):
    """POST the check page's confirm; (the import job, how many jobs were handed to a worker)."""
    with TestCase.captureOnCommitCallbacks() as queued:
        response = client.post(url)
    return job_of(response), len(queued)


def staged(kind: str) -> list[Path]:
    directory = Path(settings.MEDIA_ROOT) / "intake" / kind
    return sorted(directory.iterdir()) if directory.is_dir() else []
