"""The nightly sweep of photo files whose row never committed (a worker killed mid-upload)."""

import os
import time

import pytest
from django.urls import reverse

from photocapture.beat import DAILY_AT
from retakes import orphans
from retakes.models import RetakePhoto
from retakes.tasks import sweep_orphan_photo_files

from .view_support import logged_in, new_request, stored_files, upload

pytestmark = pytest.mark.django_db


def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_old_file_no_photo_names_is_deleted_and_the_recorded_and_fresh_ones_stay(
    student, student_user, photos, settings, django_capture_on_commit_callbacks
):
    request = new_request(student, student_user)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(student_user).post(
            reverse("retakes:upload", args=[request.pk]), {"photo": upload(photos["pass"]), "note": ""}
        )
    (recorded,) = stored_files(settings)
    directory = recorded.parent
    orphan = directory / ("a" * 32 + ".jpg")  # what a worker killed before its commit leaves behind
    orphan.write_bytes(photos["pass"])
    in_flight = directory / ("b" * 32 + ".jpg")  # an upload whose transaction is still open
    in_flight.write_bytes(photos["pass"])
    for path in (recorded, orphan):
        _age(path, orphans.MIN_AGE_SECONDS + 60)

    assert sweep_orphan_photo_files() == 1

    assert not orphan.exists() and recorded.exists() and in_flight.exists()
    assert RetakePhoto.objects.get().file.name == f"retakes/{recorded.name}"
    assert sweep_orphan_photo_files() == 0  # a second night finds nothing


def test_the_sweep_copes_with_no_directory_and_more_files_than_one_query_names(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    assert orphans.sweep_orphan_photo_files() == 0
    directory = tmp_path / "retakes"
    directory.mkdir()
    for n in range(7):
        path = directory / f"{n:032d}.jpg"
        path.write_bytes(b"x")
        _age(path, orphans.MIN_AGE_SECONDS + 60)
    monkeypatch.setattr(orphans, "BATCH", 3)
    assert orphans.sweep_orphan_photo_files() == 7 and list(directory.iterdir()) == []


def test_the_sweep_runs_nightly_from_beat():
    assert DAILY_AT["retakes.sweep_orphan_photo_files"] == "03:30"
