"""Photo files no row names: left when a process died between writing the file and committing its row.

A retake photo's file is written to MEDIA_ROOT/retakes/ before the transaction that records its
RetakePhoto commits (Django's FileField saves on assignment). A gunicorn or Celery worker killed
with -9 in between leaves a file under a random name that nothing refers to, and it would outlive
the campaign's erasure (privacy only deletes the files its rows name). The sweep deletes such files
once they are older than any upload still in flight could be.
"""

import time
from pathlib import Path

from django.conf import settings

from .models import RetakePhoto

DIRECTORY = "retakes"
# Older than the longest request or job that writes a photo and then commits its row.
MIN_AGE_SECONDS = 6 * 60 * 60
BATCH = 500


def sweep_orphan_photo_files(*, now: float | None = None) -> int:
    """Delete the files under MEDIA_ROOT/retakes/ that no RetakePhoto names; returns how many."""
    directory = Path(settings.MEDIA_ROOT) / DIRECTORY
    if not directory.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - MIN_AGE_SECONDS
    candidates = {
        f"{DIRECTORY}/{entry.name}": entry
        for entry in directory.iterdir()
        if entry.is_file() and entry.stat().st_mtime < cutoff
    }
    if not candidates:
        return 0
    names = list(candidates)
    named: set[str] = set()
    for start in range(0, len(names), BATCH):  # bounded IN lists (SQLite's parameter limit)
        batch = names[start : start + BATCH]
        named.update(RetakePhoto.objects.filter(file__in=batch).values_list("file", flat=True))
    removed = 0
    for name, entry in candidates.items():
        if name not in named:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
