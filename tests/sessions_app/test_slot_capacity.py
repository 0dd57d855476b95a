"""The slot-load page plans each capture group against its photographer units: the notice's 2021
schedule (14 slots) with the notice's head counts (demo/schedule.py)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from core.formatting import date_short
from demo import seed
from sessions_app import selectors
from sessions_app.models import CaptureGroup, Student
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(settings):
    """The 2021 campaign with its whole roster: 4,320 students placed by the schedule's rules."""
    campuses, colleges = seed.campuses(), seed.colleges()
    campaign = seed.notice_campaign(campuses, colleges)
    seed.roster(campaign, campuses, colleges, entry_year=2017, seed=2021, size=1.0)
    refresh_slot_assignments(campaign=campaign)
    return campaign


def flagged(campaign) -> tuple[set, set]:
    loads = selectors.slot_loads(campaign)
    slots = {(x.slot.group.name, x.slot.time_range(), x.expected, x.capacity) for x in loads if x.over}
    days = {(day.group.name, day.expected, day.capacity) for day in selectors.day_loads(campaign, loads) if day.over}
    return slots, days


def test_at_350_an_hour_every_slot_fits_but_no_group_shoots_its_day_with_one_unit(notice):
    assert Student.objects.filter(campaign=notice, assigned_slot__isnull=False).count() == 4320
    slots, days = flagged(notice)
    assert slots == set()
    assert days == {
        ("金石滩第一组", 1100, 600),
        ("金石滩第二组", 1010, 600),
        ("开发区第一组", 1140, 600),
        ("开发区第二组", 1070, 600),
    }


def test_at_300_an_hour_the_four_crowded_slots_are_flagged(notice):
    notice.unit_per_hour = 300
    notice.save(update_fields=["unit_per_hour"])
    slots, _days = flagged(notice)
    assert slots == {
        ("金石滩第一组", "08:30-09:50", 420, 400),
        ("金石滩第一组", "09:50-11:00", 360, 350),
        ("金石滩第一组", "11:00-12:00", 320, 300),
        ("金石滩第二组", "09:50-10:50", 310, 300),
    }


def test_a_second_unit_takes_a_groups_day_within_its_limit(notice):
    CaptureGroup.objects.filter(campaign=notice, name__in=["金石滩第一组", "金石滩第二组"]).update(photographer_units=2)
    notice.unit_per_hour = 300
    notice.save(update_fields=["unit_per_hour"])
    slots, days = flagged(notice)
    assert slots == set()
    assert {name for name, _expected, _capacity in days} == {"开发区第一组", "开发区第二组"}


def test_the_page_warns_in_words_about_slots_and_days_over_capacity(client, notice):
    notice.unit_per_hour = 300
    notice.save(update_fields=["unit_per_hour"])
    client.force_login(make_user(Role.STAFF, is_staff=True))
    html = client.get(reverse("sessions_app:staff_overview") + "?campaign=2021").content.decode()
    warnings = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('class="load-warnings"')[1].split("</ul>")[0]))
    assert "应到人数超出拍摄能力" in warnings
    d = date_short(datetime.date(2020, 11, 26))  # with the year unless the clock is in 2020
    assert f"金石滩第一组 {d} 08:30-09:50：应到 420 人，超出容量 400 人（摄影师 1 组）" in warnings
    assert f"开发区第一组 {d} 全天：应到 1140 人，超出每天最多 600 人（摄影师 1 组）" in warnings
    assert f"开发区第一组 {d} 08:10-09:10" not in warnings
    assert warnings.count("超出容量") == 4 and warnings.count("超出每天最多") == 4


def test_a_schedule_within_capacity_says_so(client, notice):
    CaptureGroup.objects.filter(campaign=notice).update(photographer_units=3)
    client.force_login(make_user(Role.STAFF, is_staff=True))
    html = client.get(reverse("sessions_app:staff_overview") + "?campaign=2021").content.decode()
    assert 'class="load-warnings"' not in html
    assert "各时段和各组每天的应到人数都在拍摄能力之内" in html


def test_the_page_costs_the_same_queries_with_ten_times_the_roster(client):
    campuses, colleges = seed.campuses(), seed.colleges()
    campaign = seed.notice_campaign(campuses, colleges)
    client.force_login(make_user(Role.STAFF, is_staff=True))
    url = reverse("sessions_app:staff_overview") + "?campaign=2021"
    counts = []
    for size in (0.05, 0.5):
        seed.roster(campaign, campuses, colleges, entry_year=2017, seed=2021, size=size)
        refresh_slot_assignments(campaign=campaign)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert Student.objects.filter(campaign=campaign).count() > 2000
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "model, field, bad, good",
    [
        ("group", "photographer_units", 0, 50),
        ("campaign", "unit_per_hour", 10001, 1),
        ("campaign", "unit_per_day", 0, 1),
    ],
)
def test_the_database_refuses_throughput_out_of_range(model, field, bad, good):
    from django.db import IntegrityError, transaction

    from sessions_app.models import Campaign
    from tests.factories import make_campaign, make_slot

    campaign = make_campaign()
    group = make_slot(campaign).group
    rows = (CaptureGroup if model == "group" else Campaign).objects.filter(
        pk=group.pk if model == "group" else campaign.pk
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(**{field: bad})
    assert rows.update(**{field: good}) == 1
