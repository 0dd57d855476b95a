"""Where an uploaded roster waits between its preview and the staff member's confirmation (intake.staging)."""

from intake import staging

KIND = "roster"
MAX_AGE_SECONDS = staging.MAX_AGE_SECONDS


def path_for(token: str):
    return staging.path_for(KIND, token)


def store(upload) -> str:
    return staging.store(KIND, upload=upload)


def store_bytes(data: bytes) -> str:
    return staging.store(KIND, data)


def discard(token: str) -> None:
    staging.discard(KIND, token)


def sweep(now: float | None = None) -> int:
    return staging.sweep(KIND, now=now)
