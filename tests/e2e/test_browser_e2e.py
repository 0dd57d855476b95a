"""The browser of the e2e tests leaves no database connection open behind it (tests/browser.launched).

Once Playwright has made a call, Django gives the test's ORM calls a connection of their own
(asgiref's Local sees a running event loop); one left open kept PostgreSQL from dropping the test
database at the end of the session ("being accessed by other users").
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from tests.browser import launched

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_connection_a_test_queries_through_between_browser_calls_is_closed_with_the_browser():
    outside = connections["default"]
    with launched() as chromium:
        chromium.new_context().close()  # a Playwright call: its loop now counts as running here
        inside = connections["default"]
        get_user_model().objects.count()
        # The premise: were it the test's own connection, launched() would have nothing to close.
        assert inside is not outside
        assert inside.connection is not None
        pid = inside.connection.info.backend_pid if inside.vendor == "postgresql" else None

    assert inside.connection is None
    if pid is not None:
        # What the session's end sees: the server has let the connection go (it notices the closed
        # socket a moment later, hence the short wait).
        assert not _still_connected(outside, pid)


def _still_connected(connection, pid: int, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return False
            if time.monotonic() > deadline:
                return True
            time.sleep(0.1)
