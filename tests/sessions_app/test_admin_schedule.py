import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db


def test_adding_an_audience_in_the_admin_assigns_its_students(client):
    campaign = make_campaign()
    college = make_college("设计学院")
    slot = make_slot(campaign, group="开发区第二组", start="08:10", end="09:00")
    student = make_student(campaign, college)
    client.force_login(make_user(Role.STAFF, is_staff=True, is_superuser=True))
    form = {
        "group": slot.group_id,
        "date": "2020-11-26",
        "start_time": "08:10",
        "end_time": "09:00",
        "audiences-TOTAL_FORMS": "1",
        "audiences-INITIAL_FORMS": "0",
        "audiences-MIN_NUM_FORMS": "0",
        "audiences-MAX_NUM_FORMS": "1000",
        "audiences-0-college": college.pk,
        "audiences-0-level": "",
        "audiences-0-sequence": "0",
        "audiences-0-label": "",
    }
    response = client.post(reverse("admin:sessions_app_slot_change", args=[slot.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    student.refresh_from_db()
    assert student.assigned_slot == slot


def test_deleting_a_group_in_the_admin_leaves_its_students_unmatched(client):
    campaign = make_campaign()
    college = make_college("设计学院")
    slot = make_slot(campaign, group="开发区第二组")
    make_audience(slot, college=college)
    student = make_student(campaign, college)
    from sessions_app.services import refresh_slot_assignments

    refresh_slot_assignments(campaign=campaign)
    client.force_login(make_user(Role.STAFF, is_staff=True, is_superuser=True))
    url = reverse("admin:sessions_app_capturegroup_delete", args=[slot.group_id])
    assert client.post(url, {"post": "yes"}).status_code == 302
    student.refresh_from_db()
    assert student.assigned_slot is None
    assert student.slot_status == "unmatched"
