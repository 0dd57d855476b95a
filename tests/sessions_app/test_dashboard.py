"""The live dashboard: per slot and per college figures, pace, forecast, overrun, scope, cost."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from capture_day.services import check_in
from sessions_app.dashboard import SlotState, live_figures
from sessions_app.models import College
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


def at(hh_mm: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(DAY, datetime.time.fromisoformat(hh_mm)))


def swipe(campaign, slot, student, when):
    check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=None, now=when)


def test_pace_forecast_and_overrun(day):
    campaign, econ, cs, first, second, econ_students, cs_students = day
    # 金石滩第一组: 20 students in the last 10 minutes = 2/min, 20 left → done 08:50, slot ends 09:50.
    for i, student in enumerate(econ_students[:20]):
        swipe(campaign, first, student, at("08:30") + datetime.timedelta(seconds=30 * i))
    # 金石滩第二组: 5 in 10 minutes = 0.5/min, 25 left → 50 minutes → 09:30, but the slot ends 09:00.
    for i, student in enumerate(cs_students[:5]):
        swipe(campaign, second, student, at("08:31") + datetime.timedelta(minutes=2 * i))
    figures = live_figures(campaign=campaign, colleges=College.objects.all(), now=at("08:40"))
    slots = {s["group"]: s for s in figures["slots"]}
    econ_slot, cs_slot = slots["金石滩第一组"], slots["金石滩第二组"]
    assert (econ_slot["captured"], econ_slot["expected"], econ_slot["remaining"]) == (20, 40, 20)
    assert econ_slot["pace"] == 2.0 and econ_slot["forecast"] == "08:50" and econ_slot["state"] == SlotState.ON_TRACK
    assert cs_slot["pace"] == 0.5 and cs_slot["forecast"] == "09:30" and cs_slot["state"] == SlotState.OVERRUN
    colleges = {c["name"]: (c["captured"], c["expected"]) for c in figures["colleges"]}
    assert colleges == {"经济管理学院": (20, 40), "计算机学院": (5, 30)}
    assert figures["total"] == {"captured": 25, "expected": 70}
    assert sum(p[2] for p in figures["timeline"]["points"]) == 25
    assert set(figures["timeline"]["groups"]) == {"金石滩第一组", "金石滩第二组"}


def states_at(campaign, now) -> dict:
    return {
        s["group"]: s["state"]
        for s in live_figures(campaign=campaign, colleges=College.objects.all(), now=now)["slots"]
    }


def test_states_before_during_and_after(day):
    campaign, econ, cs, first, second, econ_students, cs_students = day
    states = states_at(campaign, at("08:00"))
    assert states == {"金石滩第一组": SlotState.UPCOMING, "金石滩第二组": SlotState.UPCOMING}
    swipe(campaign, first, econ_students[0], at("08:31"))
    states = states_at(campaign, at("08:55"))
    assert states == {"金石滩第一组": SlotState.STALLED, "金石滩第二组": SlotState.STALLED}
    states = states_at(campaign, at("09:10"))
    assert states["金石滩第二组"] == SlotState.LATE
    for student in cs_students:
        swipe(campaign, second, student, at("08:59"))
    states = states_at(campaign, at("09:10"))
    assert states["金石滩第二组"] == SlotState.DONE


def test_a_coordinator_sees_only_their_colleges(client, day):
    campaign, econ, cs, first, second, econ_students, cs_students = day
    swipe(campaign, second, cs_students[0], timezone.now())
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(econ)
    client.force_login(coordinator)
    data = client.get(reverse("sessions_app:live_data"), {"campaign": campaign.code}).json()
    assert [c["name"] for c in data["colleges"]] == ["经济管理学院"]
    assert [s["group"] for s in data["slots"]] == ["金石滩第一组"]
    assert data["timeline"]["points"] == []  # the other college's capture is not theirs
    html = client.get(reverse("sessions_app:live_dashboard"), {"campaign": campaign.code}).content.decode()
    assert "经济管理学院" in html and "计算机学院" not in html and "uPlot.iife.min.js" in html
    for role in (Role.OPERATOR, Role.COUNSELOR, Role.STUDENT):
        client.force_login(make_user(role))
        assert client.get(reverse("sessions_app:live_data")).status_code == 403


def test_staff_page_shows_every_slot_with_its_state(client, day):
    campaign, *_ = day
    client.force_login(make_user(Role.STAFF))
    html = client.get(reverse("sessions_app:live_dashboard"), {"campaign": campaign.code}).content.decode()
    assert "金石滩第一组" in html and "金石滩第二组" in html and "计算机学院" in html
    assert "已超时，仍有学生未采集" in html  # a 2020 slot with nobody captured, seen today
    overview = client.get(reverse("sessions_app:staff_overview"), {"campaign": campaign.code}).content.decode()
    assert reverse("sessions_app:live_dashboard") in overview


def test_one_poll_costs_the_same_few_queries_whatever_the_roster(client, day, django_assert_max_num_queries):
    campaign, econ, cs, first, second, econ_students, cs_students = day
    client.force_login(make_user(Role.STAFF))
    url = reverse("sessions_app:live_data")
    with django_assert_max_num_queries(7) as small:  # session, user, campaign + four for the figures
        client.get(url, {"campaign": campaign.code})
    more = make_college("土木学院")
    for n in range(6):
        slot = make_slot(campaign, group=f"开发区{n}组", start="10:00", end="11:00", date=DAY)
        make_audience(slot, college=more if n % 2 else make_college(f"学院{n}"))
    students = [make_student(campaign, more) for _ in range(200)]
    refresh_slot_assignments(campaign=campaign)
    for i, student in enumerate(students[:100] + econ_students):
        swipe(campaign, first, student, at("08:30") + datetime.timedelta(seconds=7 * i))
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = client.get(url, {"campaign": campaign.code}).json()
    assert data["total"]["captured"] == 140
