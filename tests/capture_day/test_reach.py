"""Issue 11, item 8: a desk captures only on its own group's capture days (a window staff can
widen); a student at the wrong slot is still captured that day."""

import datetime
import uuid

import pytest
from django.urls import reverse

from capture_day.results import Outcome
from capture_day.services import desk_open
from sessions_app.models import Capture
from tests.factories import CAPTURE_DAY, make_slot

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def set_today(monkeypatch, day):
    monkeypatch.setattr("capture_day.services.desk_today", lambda: day)


def swipe(client, slot, code):
    return client.post(
        reverse("capture_day:desk_swipe", args=[slot.pk]), {"code": code}, HTTP_ACCEPT="application/json"
    )


def test_years_after_the_slot_the_desk_captures_nobody(client, world, monkeypatch):  # noqa: F811
    """The reproduction: an operator captured a student of the campaign long after the shoot."""
    set_today(monkeypatch, CAPTURE_DAY + datetime.timedelta(days=3 * 365))
    client.force_login(world.operator)
    data = swipe(client, world.slot_econ, world.econ_student.id_number).json()
    assert data["outcome"] == Outcome.DESK_CLOSED and "不开放" in data["message"]
    assert "student" not in data  # nothing looked up, so nothing about the student is said
    assert not Capture.objects.exists()


@pytest.mark.parametrize("offset", [-1, 1])
def test_the_day_before_and_after_are_closed_unless_staff_widen_the_window(client, world, monkeypatch, offset):  # noqa: F811
    set_today(monkeypatch, CAPTURE_DAY + offset * DAY)
    client.force_login(world.operator)
    assert swipe(client, world.slot_econ, world.econ_student.id_number).json()["outcome"] == Outcome.DESK_CLOSED
    world.campaign.desk_window_days = 1
    world.campaign.save()
    assert swipe(client, world.slot_econ, world.econ_student.id_number).json()["outcome"] == Outcome.CAPTURED


def test_on_the_day_a_wrong_slot_student_is_still_captured(client, world, monkeypatch):  # noqa: F811
    set_today(monkeypatch, CAPTURE_DAY)
    client.force_login(world.operator)
    data = swipe(client, world.slot_econ, world.civil_student.id_number).json()  # belongs to the second group
    assert data["outcome"] == Outcome.WRONG_SLOT
    assert Capture.objects.get(student=world.civil_student).wrong_slot


def test_the_desk_opens_on_its_own_groups_days_only(world, monkeypatch):  # noqa: F811
    """Another group shooting on a later day does not open this group's desk on that day."""
    later = CAPTURE_DAY + 7 * DAY
    make_slot(world.campaign, group="金石滩第二组", start="08:30", end="09:50", date=later)
    assert desk_open(slot=world.slot_civil, today=later)
    assert not desk_open(slot=world.slot_econ, today=later)
    # A second day of the first group opens all of its slots' desks on that day.
    make_slot(world.campaign, group="金石滩第一组", start="13:00", end="14:00", date=later)
    assert desk_open(slot=world.slot_econ, today=later)


def test_the_refusal_writes_nothing_even_for_a_queued_swipe(client, world, monkeypatch):  # noqa: F811
    set_today(monkeypatch, CAPTURE_DAY + 30 * DAY)
    client.force_login(world.operator)
    response = client.post(
        reverse("capture_day:desk_swipe", args=[world.slot_econ.pk]),
        {"code": world.econ_student.id_number, "nonce": str(uuid.uuid4())},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["outcome"] == Outcome.DESK_CLOSED
    assert not Capture.objects.exists()


def test_at_the_desk_a_second_day_of_the_group_opens_the_first_days_slot(client, world, monkeypatch):  # noqa: F811
    """The swipe view reads the slot with what desk_gate asks (selectors.gated_desk_slot); a slot
    of another day is still judged by the group's days, not only its own."""
    later = CAPTURE_DAY + 7 * DAY
    set_today(monkeypatch, later)
    client.force_login(world.operator)
    assert swipe(client, world.slot_econ, world.econ_student.id_number).json()["outcome"] == Outcome.DESK_CLOSED
    make_slot(world.campaign, group="金石滩第一组", start="13:00", end="14:00", date=later)
    assert swipe(client, world.slot_econ, world.econ_student.id_number).json()["outcome"] == Outcome.CAPTURED
    client.force_login(world.other_operator)  # 金石滩第二组's operator: not their desk
    assert swipe(client, world.slot_econ, world.econ_student2.id_number).status_code == 404
