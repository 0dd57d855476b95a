"""Beat's sweep of staged imports: expired files (they hold ID numbers) go without a new upload."""

import os
import time

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
