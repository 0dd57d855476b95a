"""A swipe while the database blinks: the desk gets a 503 it queues, and the resent swipe counts once."""

import uuid

import pytest
from django.db import OperationalError
from django.urls import reverse

from sessions_app.models import Capture

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


def test_a_swipe_cut_off_from_the_database_answers_503_and_its_resend_counts_once(client, world):  # noqa: F811
    client.force_login(world.operator)
    url = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    data = {"code": world.econ_student.id_number, "nonce": str(uuid.uuid4())}

    def cut(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("capture_day.views.record_swipe", cut)
        response = client.post(url, data, **FETCH)
    assert response.status_code == 503 and response["Retry-After"] == "3"
    assert response.json()["outcome"] == "unavailable" and response.json()["code"] == "db_unavailable"
    assert not Capture.objects.filter(student=world.econ_student).exists()
    assert client.post(url, data, **FETCH).json()["outcome"] == "captured"
    assert client.post(url, data, **FETCH).json()["outcome"] == "captured"  # the same swipe's answer again
    assert Capture.objects.filter(student=world.econ_student).count() == 1
