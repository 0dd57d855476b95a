"""PostgreSQL cuts the request's connection (pg_terminate_backend from another one): no 500."""

import threading
import uuid

import pytest
from django.core.signals import request_started
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from sessions_app.models import Capture
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


def _terminate(pid: int) -> None:
    """From another connection, as an administrator or a restarting server would."""

    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


class CutNextRequest:
    """Terminates the request's own backend once the request has started (its connection is held open)."""

    def __init__(self):
        self.cuts = 0

    def __enter__(self):
        request_started.connect(self.cut)
        return self

    def __exit__(self, *exc):
        request_started.disconnect(self.cut)

    def cut(self, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        _terminate(pid)
        self.cuts += 1


def test_a_page_whose_connection_is_cut_is_answered_on_a_fresh_one(client):
    client.force_login(make_user(Role.STAFF))
    with CutNextRequest() as cutter:
        response = client.get(reverse("jobs:list"))
    assert cutter.cuts == 1  # the retry through the whole chain starts no second cut: one per request
    assert response.status_code == 200 and "我的后台任务" in response.content.decode()


def test_a_swipe_whose_connection_is_cut_is_a_503_and_its_resend_counts_once(client, world):
    client.force_login(world.operator)
    url = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    data = {"code": world.econ_student.id_number, "nonce": str(uuid.uuid4())}
    with CutNextRequest():
        response = client.post(url, data, **FETCH)
    assert response.status_code == 503 and response["Retry-After"] == "3"
    assert response.json()["code"] == "db_unavailable"
    assert client.post(url, data, **FETCH).json()["outcome"] == "captured"
    assert Capture.objects.filter(student=world.econ_student).count() == 1
