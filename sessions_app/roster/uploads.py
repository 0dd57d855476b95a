"""Where an uploaded roster waits between its preview and the staff member's confirmation.

The file is kept under MEDIA_ROOT (never served by a static handler), named by a random
token the staff member's session holds; it is removed on confirm or cancel, and any left
behind by an abandoned preview is swept after MAX_AGE.
"""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "roster_uploads"


def path_for(token: str) -> Path | None:
    """The stored file for token, or None when the token is malformed or the file is gone."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    path = _directory() / f"{token}.xlsx"
    return path if path.is_file() else None


def store(upload) -> str:
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    sweep()
    token = secrets.token_hex(16)
    with open(directory / f"{token}.xlsx", "wb") as out:
        upload.seek(0)
        for chunk in upload.chunks():
            out.write(chunk)
    return token


def discard(token: str) -> None:
    path = path_for(token)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep(now: float | None = None) -> None:
    directory = _directory()
    if not directory.is_dir():
        return
    cutoff = (now or time.time()) - MAX_AGE_SECONDS
    for path in directory.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass  # another request swept it first
