"""Issue 11, item 10: the admin checks campaign values as what they are and speaks Chinese."""

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.models import Audience, Campaign
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(Role.STAFF, is_staff=True, is_superuser=True))
    return client


def campaign_form(**overrides) -> dict:
    form = {
        "code": "c2021",
        "name": "2021届本科毕业生图像采集",
        "level": "undergraduate",
        "capture_dates": "2020-11-26",
        "identification_methods": ["id_card", "student_no"],
        "fee_per_person": "17.00",
        "remittance_deadline": "2020-11-30",
        "verification_window": "40",
        "verification_window_unit": "calendar_days",
        "chsi_url": "https://xjxl.chsi.com.cn",
        "retake_deadline": "",
        "retake_centre_address": "",
        "online_channel_name": "",
        "rules": "",
        "what_to_bring": "二代身份证",
        "desk_window_days": "0",
        "unit_per_hour": "350",
        "unit_per_day": "600",
        "retention_days": "180",
        "photo_backgrounds": ["blue"],
        "contact_name": "",
        "contact_phone": "",
    }
    form.update(overrides)
    return form


def add_campaign(client, **overrides):
    return client.post(reverse("admin:sessions_app_campaign_add"), campaign_form(**overrides))


def test_a_sane_campaign_is_saved(staff_client):
    assert add_campaign(staff_client).status_code == 302
    assert Campaign.objects.get(code="c2021").capture_dates == "2020-11-26"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"capture_dates": "11月26日"}, "不是日期"),
        ({"capture_dates": "2020-11-26, 下周"}, "不是日期"),
        ({"capture_dates": "2020-02-30"}, "不是日期"),
        ({"fee_per_person": "1700"}, "200"),
        ({"fee_per_person": "-1"}, "0"),
        ({"verification_window": "4000"}, "120"),
        ({"verification_window": "0"}, "1"),
        ({"unit_per_hour": "0"}, "大于或等于1"),
        ({"unit_per_day": "-5"}, "大于或等于"),
        ({"unit_per_day": "99999"}, "小于或等于10000"),
        ({"remittance_deadline": "2020-11-01"}, "不能早于第一个采集日期"),
        ({"retake_deadline": "2019-01-01"}, "不能早于第一个采集日期"),
    ],
)
def test_campaign_values_out_of_bounds_are_refused_in_chinese(staff_client, overrides, message):
    response = add_campaign(staff_client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.filter(code="c2021").exists()


def slot_form(slot, rows, **overrides) -> dict:
    form = {
        "group": slot.group_id,
        "date": "2020-11-26",
        "start_time": "08:10",
        "end_time": "09:00",
        "audiences-TOTAL_FORMS": str(len(rows)),
        "audiences-INITIAL_FORMS": "0",
        "audiences-MIN_NUM_FORMS": "0",
        "audiences-MAX_NUM_FORMS": "1000",
    }
    for i, college in enumerate(rows):
        form.update(
            {
                f"audiences-{i}-college": college.pk,
                f"audiences-{i}-level": "",
                f"audiences-{i}-sequence": "0",
                f"audiences-{i}-label": "",
            }
        )
    form.update(overrides)
    return form


def test_a_slot_ending_before_it_starts_gets_a_sentence_not_a_constraint_name(staff_client):
    campaign = make_campaign()
    slot = make_slot(campaign, start="08:10", end="09:00")
    url = reverse("admin:sessions_app_slot_change", args=[slot.pk])
    response = staff_client.post(url, slot_form(slot, [], start_time="09:00", end_time="08:10"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in page
    assert "slot_ends_after_start" not in page and "约束" not in page


def test_one_audience_cannot_be_added_to_a_slot_twice(staff_client):
    campaign = make_campaign()
    college = make_college("设计学院")
    slot = make_slot(campaign, start="08:10", end="09:00")
    url = reverse("admin:sessions_app_slot_change", args=[slot.pk])
    # Twice in one submission.
    response = staff_client.post(url, slot_form(slot, [college, college]))
    assert response.status_code == 200 and "填了两次" in response.content.decode()
    assert not Audience.objects.exists()
    # Once already saved, then again.
    make_audience(slot, college=college)
    response = staff_client.post(url, slot_form(slot, [college]))
    assert response.status_code == 200 and "不能重复添加" in response.content.decode()
    assert Audience.objects.count() == 1
