"""A swipe or an undo that waits too long on a row lock answers "please retry", never a 500."""

import pytest
from django.urls import reverse

from capture_day import services as desk_services
from core.errors import Busy
from fees.models import FeeAccount
from sessions_app.models import Capture

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
RETRY = "其他人正在处理同一条记录，请稍后重试"


def _swipe(client, slot, code, **extra):
    return client.post(reverse("capture_day:desk_swipe", args=[slot.pk]), {"code": code}, **extra)


def _busy(**kwargs):
    raise Busy()


def test_a_busy_swipe_answers_the_desk_with_the_retry_message(client, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr(desk_services.fees_services, "post_charge", _busy)
    client.force_login(world.operator)
    response = _swipe(client, world.slot_econ, world.econ_student.id_number, **JSON)
    assert response.status_code == 409
    assert response.json() == {"ok": False, "outcome": "busy", "code": "lock_timeout", "message": RETRY}
    assert not Capture.objects.exists()


def test_a_busy_swipe_without_javascript_goes_back_to_the_desk_with_the_message(client, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr(desk_services.fees_services, "post_charge", _busy)
    client.force_login(world.operator)
    desk = reverse("capture_day:desk", args=[world.slot_econ.pk])
    response = _swipe(client, world.slot_econ, world.econ_student.id_number, HTTP_REFERER=f"http://testserver{desk}")
    assert response.status_code == 302 and response["Location"] == f"http://testserver{desk}"
    assert RETRY in client.get(desk).content.decode()


def test_a_busy_page_says_so_and_links_home_when_the_referer_is_elsewhere(client, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("capture_day.views.selectors.slot_counts", _busy_positional)
    client.force_login(world.operator)
    response = client.get(reverse("capture_day:desk", args=[world.slot_econ.pk]), HTTP_REFERER="https://evil.example/")
    assert response.status_code == 503
    html = response.content.decode()
    assert RETRY in html and 'href="/"' in html


def _busy_positional(*args, **kwargs):
    raise Busy()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_swipe_behind_a_long_write_on_the_students_account_answers_retry(client, world, settings, hold_lock):  # noqa: F811
    settings.LOCK_TIMEOUT_MS = 300
    student = world.econ_student
    FeeAccount.objects.create(student=student, campaign=world.campaign)
    client.force_login(world.operator)
    with hold_lock(FeeAccount.objects.filter(student=student)):
        response = _swipe(client, world.slot_econ, student.id_number, **JSON)
    assert response.status_code == 409
    assert response.json()["outcome"] == "busy" and response.json()["message"] == RETRY
    # The swipe's transaction was rolled back whole; swiped again, the student is captured once.
    assert not Capture.objects.filter(student=student).exists()
    again = _swipe(client, world.slot_econ, student.id_number, **JSON)
    assert again.status_code == 200 and again.json()["outcome"] == "captured"
