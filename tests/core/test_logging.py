"""A refused request is logged as one line, not with a traceback (issue 24's small gaps)."""

import io
import logging
import sys

import pytest
from django.urls import reverse

from accounts.models import Role
from core.logging import ClientErrorsWithoutTraceback
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the configured console handler writes."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, ClientErrorsWithoutTraceback) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_a_403_is_one_line_in_the_log_without_a_traceback(client, console):
    client.force_login(make_user(Role.STUDENT))
    assert client.get(reverse("fees:reconciliation")).status_code == 403
    written = console.getvalue()
    assert "Forbidden (Permission denied): /fees/reconciliation/" in written
    assert "Traceback" not in written and "PermissionDenied" not in written


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise RuntimeError("a real fault")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=sys.exc_info(), extra={"status_code": 500}
        )
    assert "Traceback" in console.getvalue() and "a real fault" in console.getvalue()
