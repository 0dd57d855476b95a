"""Uploads waiting between their check (the preview) and the clerk's confirmation.

Kept under MEDIA_ROOT/intake/<kind>/ (never served statically), named by a random token the
import's job holds in its params (jobs.imports: the job row is the only place a preview is
kept). They hold ID numbers, so they expire: a file older than MAX_AGE_SECONDS is not handed
out any more; every new upload and beat's `jobs.sweep_staged_uploads` delete the expired ones.
"""

import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_KIND = re.compile(r"^[a-z_]{1,32}$")


def _directory(kind: str) -> Path:
    if not _KIND.match(kind):
        raise ValueError(kind)
    return Path(settings.MEDIA_ROOT) / "intake" / kind


def _expired(path: Path, now: float) -> bool:
    return path.stat().st_mtime < now - MAX_AGE_SECONDS


def store(kind: str, data: bytes | None = None, *, upload=None) -> str:
    directory = _directory(kind)
    directory.mkdir(parents=True, exist_ok=True)
    sweep(kind)
    token = secrets.token_hex(16)
    with open(directory / token, "wb") as out:
        if upload is not None:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
        else:
            out.write(data or b"")
    # Expiry compares the file's age with the app's clock (time.time()); stamped from that same
    # clock, the age stays right where the two differ (a test that travels in time).
    stamp = time.time()
    os.utime(directory / token, (stamp, stamp))
    return token


def path_for(kind: str, token, *, now: float | None = None) -> Path | None:
    """The stored file for token, or None when the token is malformed, the file gone or expired."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    path = _directory(kind) / token
    try:
        if _expired(path, now or time.time()):
            path.unlink(missing_ok=True)
            return None
    except FileNotFoundError:
        return None
    return path


def discard(kind: str, token) -> None:
    if isinstance(token, str) and _TOKEN.match(token):
        (_directory(kind) / token).unlink(missing_ok=True)


def sweep(kind: str | None = None, now: float | None = None) -> int:
    """Delete expired staged files (of one kind, or all); returns how many went."""
    now = now or time.time()
    root = Path(settings.MEDIA_ROOT) / "intake"
    directories = [_directory(kind)] if kind else ([p for p in root.iterdir() if p.is_dir()] if root.is_dir() else [])
    removed = 0
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            try:
                if path.is_file() and _expired(path, now):
                    path.unlink(missing_ok=True)
                    removed += 1
            except FileNotFoundError:
                pass  # another request swept it first
    return removed
