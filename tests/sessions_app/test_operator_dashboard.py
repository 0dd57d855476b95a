"""Desk operators watch their own capture groups' live dashboard, and nothing of the others."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from capture_day.services import check_in
from sessions_app.models import CaptureGroup
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


def at(hh_mm: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(DAY, datetime.time.fromisoformat(hh_mm)))


@pytest.fixture
def operator_day(day):
    """The dashboard's day with 5 and 3 captured; the operator runs the first group only."""
    campaign, econ, cs, first, second, econ_students, cs_students = day
    for student in econ_students[:5]:
        check_in(campaign=campaign, slot=first, identifier=student.student_no, operator=None, now=at("08:31"))
    for student in cs_students[:3]:
        check_in(campaign=campaign, slot=second, identifier=student.student_no, operator=None, now=at("08:32"))
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(first.group)
    return campaign, first, second, operator


def test_an_operator_sees_their_group_only(client, operator_day):
    campaign, first, second, operator = operator_day
    client.force_login(operator)
    data = client.get(reverse("sessions_app:live_data"), {"campaign": campaign.code}).json()
    assert [s["group"] for s in data["slots"]] == ["金石滩第一组"]
    assert [(c["name"], c["captured"], c["expected"]) for c in data["colleges"]] == [("经济管理学院", 5, 40)]
    assert data["total"] == {"captured": 5, "expected": 40}
    assert data["timeline"]["groups"] == ["金石滩第一组"]
    html = client.get(reverse("sessions_app:live_dashboard"), {"campaign": campaign.code}).content.decode()
    assert "采集实况 · " in html and "金石滩第一组" in html
    assert "金石滩第二组" not in html and "计算机学院" not in html


def test_an_operator_may_name_their_group_and_the_page_polls_it(client, operator_day):
    campaign, first, second, operator = operator_day
    client.force_login(operator)
    page = client.get(reverse("sessions_app:live_dashboard"), {"campaign": campaign.code, "group": first.group_id})
    assert page.status_code == 200
    assert f'data-url="{reverse("sessions_app:live_data")}?campaign={campaign.code}&amp;group={first.group_id}"' in (
        page.content.decode()
    )


@pytest.mark.parametrize("asked", ["other", "missing", "junk"])
def test_another_groups_dashboard_is_not_there_for_an_operator(client, operator_day, asked):
    campaign, first, second, operator = operator_day
    group = {"other": str(second.group_id), "missing": "999999", "junk": "1;drop"}[asked]
    client.force_login(operator)
    for name in ("sessions_app:live_dashboard", "sessions_app:live_data"):
        response = client.get(reverse(name), {"campaign": campaign.code, "group": group})
        assert response.status_code == 404
        assert "金石滩第二组" not in response.content.decode()


def test_an_operator_without_a_group_in_the_campaign_is_refused(client, operator_day):
    campaign, *_ = operator_day
    client.force_login(make_user(Role.OPERATOR))
    assert client.get(reverse("sessions_app:live_data"), {"campaign": campaign.code}).status_code == 403


def test_staff_may_look_at_one_group_and_coordinators_not_by_group(client, operator_day):
    campaign, first, second, operator = operator_day
    client.force_login(make_user(Role.STAFF))
    data = client.get(reverse("sessions_app:live_data"), {"campaign": campaign.code, "group": second.group_id}).json()
    assert [s["group"] for s in data["slots"]] == ["金石滩第二组"]
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(first.audiences.get().college)
    client.force_login(coordinator)
    assert client.get(reverse("sessions_app:live_data"), {"group": first.group_id}).status_code == 404


def test_the_operators_poll_costs_the_same_queries_with_ten_times_the_rows(
    client, operator_day, django_assert_max_num_queries
):
    campaign, first, second, operator = operator_day
    client.force_login(operator)
    url = reverse("sessions_app:live_data")
    with django_assert_max_num_queries(20) as small:
        client.get(url, {"campaign": campaign.code, "group": first.group_id})
    econ = first.audiences.get().college
    for n in range(4):
        slot = make_slot(campaign, group="金石滩第一组", start=f"1{n}:00", end=f"1{n}:50", date=DAY)
        college = make_college(f"学院{n}")
        make_audience(slot, college=college)
        for _ in range(30):
            make_student(campaign, college)
    students = [make_student(campaign, econ) for _ in range(360)]
    refresh_slot_assignments(campaign=campaign)
    for student in students[:200]:
        check_in(campaign=campaign, slot=first, identifier=student.student_no, operator=None, now=at("08:40"))
    assert CaptureGroup.objects.get(pk=first.group_id).slots.count() == 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = client.get(url, {"campaign": campaign.code, "group": first.group_id}).json()
    assert data["total"] == {"captured": 205, "expected": 520} and len(data["slots"]) == 5
