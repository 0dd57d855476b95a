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


def test_overriding_a_students_slot_in_the_admin_is_audited(client):
    from accounts.models import AuditEvent

    campaign = make_campaign()
    college = make_college("设计学院")
    home = make_slot(campaign, group="开发区第二组", start="08:10", end="09:00")
    make_audience(home, college=college)
    other = make_slot(campaign, group="开发区第一组", start="08:10", end="09:10")
    student = make_student(campaign, college)
    from sessions_app.services import refresh_slot_assignments

    refresh_slot_assignments(campaign=campaign)
    staff = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(staff)
    form = {
        "campaign": campaign.pk,
        "student_no": student.student_no,
        "name": student.name,
        "gender": student.gender,
        "id_number": student.id_number,
        "college": college.pk,
        "major": student.major,
        "class_name": student.class_name,
        "level": student.level,
        "slot_override": other.pk,
    }
    response = client.post(reverse("admin:sessions_app_student_change", args=[student.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    student.refresh_from_db()
    assert student.assigned_slot == other and student.slot_status == "overridden"
    event = AuditEvent.objects.get(action="slot.override")
    assert event.actor == staff and event.data["from_slot"] == home.pk
