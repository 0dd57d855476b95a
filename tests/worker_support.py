"""Helpers for the tests that start a real Celery worker as a separate process."""

import time
from urllib.parse import quote

import pytest
from django.conf import settings


def database_url() -> str:
    """The test database as a URL, so the worker process writes where the test reads."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Bounded polling: another OS process does the work, so the test's clock cannot be faked."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")
