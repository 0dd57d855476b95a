import datetime
import os
import shutil
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from core.locking import lock_rows
from deploy.catalogues import compile_all
from notifications.messages import register_message
from tests.browser import browser, network  # noqa: F401  (fixtures for the e2e tests)
from tests.desk_world import world  # noqa: F401  (the desks' campaign, slots, students and operators)


def pytest_sessionstart(session):
    """The English pages need compiled catalogues; compile the ones older than their .po."""
    compile_all(only_stale=True)


def pytest_collection_modifyitems(config, items):
    """Environment-bound tests are skipped loudly (with the reason), never passed silently."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    has_redis = bool(os.environ.get("REDIS_URL"))
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "celery_worker" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs a real Celery worker: set REDIS_URL=redis://..."))
        if "e2e" in item.keywords and not shutil.which(chromium):
            item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {chromium}"))


@pytest.fixture(autouse=True, scope="session")
def _another_day():
    """TEST_TODAY=2028-02-29 runs the session on that day (.ci/run does it for the date-bound
    tests): a test that passes only on the day it was written fails there. A test that fixes its
    own clock travels again inside this one."""
    day = os.environ.get("TEST_TODAY")
    if not day:
        yield
        return
    start = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(9, 30), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache; one test's calls must not throttle the next test.
    # Only the in-process cache: with REDIS_URL the cache shares Redis with the Celery broker, and
    # a FLUSHDB would drop the broker's queues under a running worker.
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        cache.clear()
    elif hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # RedisCache: only our counters
        client = cache._cache.get_client(write=True)
        for pattern in ("*fees:callback:unsigned:*", "*api:rate:*", "*fees:notice:*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    yield


@pytest.fixture(autouse=True)
def desk_on_capture_day(monkeypatch):
    """The desks' clock set to the factories' capture day: a desk captures only on its days, and
    check_in refuses a closed desk whoever calls it (a test that moves the clock patches it again)."""
    from tests.factories import CAPTURE_DAY

    monkeypatch.setattr("capture_day.services.desk_today", lambda: CAPTURE_DAY)
    return CAPTURE_DAY


@register_message("test.plain")
def _plain_message(data: dict) -> tuple[str, str]:
    """Tests of the plumbing notify with this code: a title and body with nothing to translate."""
    return data.get("title", ""), data.get("body", "")


class _LockHolder:
    """Another connection that locks rows and keeps them until released (a long write elsewhere)."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.locked, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with transaction.atomic():
                lock_rows(self.queryset)
                self.locked.set()
                self.release.wait(timeout=30)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join()


@pytest.fixture
def hold_lock():
    """`with hold_lock(queryset):` the rows stay locked by another connection inside the block
    (PostgreSQL tests with transaction=True: the other connection must see the committed rows)."""
    return _LockHolder
