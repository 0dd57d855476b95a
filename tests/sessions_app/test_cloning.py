"""Next year's campaign from this year's: clone_campaign and the staff page."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from sessions_app.cloning import CloneError, clone_campaign
from sessions_app.models import Audience, Campaign, Level, Slot, SlotStatus, Student
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_campus, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db

NEW_DAY = datetime.date(2021, 11, 25)


@pytest.fixture
def source():
    campaign = make_campaign(
        "2021",
        name="2021届本科毕业生图像采集",
        retake_deadline=datetime.date(2021, 3, 31),
        contact_phone="87188626（5626）",
        retake_centre_address="沈阳市浑南区浑南二路1号",
    )
    cs, li = make_college("计算机科学与工程学院"), make_college("理学院")
    jst, sdg = make_campus("金石滩校区"), make_campus("双D港校区")
    first = make_slot(campaign, start="08:30", end="09:50", campus=jst)
    make_audience(first, college=cs)
    day2 = datetime.date(2020, 11, 27)
    second = make_slot(campaign, start="09:00", end="10:00", date=day2, group="第二组", campus=jst)
    make_audience(second, college=li)
    make_audience(second, college=cs, campus=sdg, sequence=1)
    make_audience(second, campus=jst, level=Level.GRADUATE, sequence=2)
    make_student(campaign, college=cs)
    return campaign


def test_every_campaign_field_is_copied_shifted_or_made_new():
    from sessions_app import cloning

    fields = {f.name for f in Campaign._meta.concrete_fields}
    assert fields == set(cloning.COPIED_FIELDS) | set(cloning.SHIFTED_DATES) | set(cloning.NOT_COPIED)


def test_desk_window_and_photo_backgrounds_are_copied(source):
    Campaign.objects.filter(pk=source.pk).update(desk_window_days=2, photo_backgrounds=["blue"])
    source.refresh_from_db()
    new = clone_campaign(source=source, code="2022", name="2022届", capture_day=NEW_DAY, actor=make_user(Role.STAFF))
    new.refresh_from_db()
    assert (new.desk_window_days, new.photo_backgrounds) == (2, ["blue"])


def test_parameters_schedule_and_audiences_are_copied_with_dates_shifted(source):
    staff = make_user(Role.STAFF)
    new = clone_campaign(source=source, code="2022", name="2022届本科毕业生图像采集", capture_day=NEW_DAY, actor=staff)

    shift = NEW_DAY - datetime.date(2020, 11, 26)
    assert new.phase_override == "" and new.capture_dates == "2021-11-25"
    for field in ("fee_per_person", "verification_window", "rules", "contact_phone", "retake_centre_address"):
        assert getattr(new, field) == getattr(source, field)
    assert new.remittance_deadline == source.remittance_deadline + shift == datetime.date(2021, 11, 29)
    assert new.retake_deadline == datetime.date(2021, 3, 31) + shift

    def schedule(campaign):
        return sorted(
            (
                s.group.name,
                s.group.location_id,
                s.date,
                s.time_range(),
                sorted((a.sequence, a.college_id or 0, a.campus_id or 0, a.level) for a in s.audiences.all()),
            )
            for s in Slot.objects.filter(group__campaign=campaign)
        )

    old_rows, new_rows = schedule(source), schedule(new)
    assert [r[2] for r in new_rows] == [d + shift for d in (r[2] for r in old_rows)]
    assert sorted(r[2] for r in new_rows) == [NEW_DAY, NEW_DAY + datetime.timedelta(days=1)]
    assert [(r[0], r[1], r[3], r[4]) for r in new_rows] == [(r[0], r[1], r[3], r[4]) for r in old_rows]
    assert Audience.objects.filter(slot__group__campaign=source).count() == 4  # the source is untouched
    assert not Student.objects.filter(campaign=new).exists()
    event = AuditEvent.objects.get(action="campaign.clone")
    assert event.data["slots"] == 2 and event.data["audiences"] == 4 and event.actor == staff


def test_a_new_roster_is_matched_by_the_copied_audiences(source):
    new = clone_campaign(source=source, code="2022", name="2022届", capture_day=NEW_DAY, actor=None)
    student = make_student(new, college=Student.objects.get(campaign=source).college)
    refresh_slot_assignments(campaign=new)
    student.refresh_from_db()
    assert student.slot_status == SlotStatus.MATCHED
    assert student.assigned_slot.group.campaign == new and student.assigned_slot.date == NEW_DAY


def test_a_taken_code_is_refused_with_a_code(source):
    with pytest.raises(CloneError) as caught:
        clone_campaign(source=source, code="2021", name="再来一次", capture_day=NEW_DAY, actor=None)
    assert caught.value.code == "code_taken" and "2021" in caught.value.message
    assert Campaign.objects.count() == 1


def test_staff_page_proposes_next_year_and_leads_to_the_roster_import(client, source):
    client.force_login(make_user(Role.STAFF))
    page = client.get(reverse("sessions_app:campaign_clone") + "?campaign=2021").content.decode()
    assert 'value="2022"' in page and "2022届本科毕业生图像采集" in page and 'value="2021-11-26"' in page

    response = client.post(
        reverse("sessions_app:campaign_clone"),
        {"source": source.pk, "code": "2022", "name": "2022届本科毕业生图像采集", "capture_day": "2021-11-25"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?campaign=2022")
    upload = client.get(response["Location"]).content.decode()
    new = Campaign.objects.get(code="2022")
    assert f'<option value="{new.pk}" selected>' in upload
    assert "已创建“2022届本科毕业生图像采集”" in upload


def test_staff_page_says_what_to_fix(client, source):
    client.force_login(make_user(Role.STAFF))
    taken = client.post(
        reverse("sessions_app:campaign_clone"),
        {"source": source.pk, "code": "2021", "name": "x", "capture_day": "2021-11-25"},
    )
    assert taken.status_code == 400 and "批次代码 2021 已被使用" in taken.content.decode()
    bad_day = client.post(
        reverse("sessions_app:campaign_clone"),
        {"source": source.pk, "code": "2022", "name": "x", "capture_day": "明天"},
    )
    assert bad_day.status_code == 400 and "日期" in bad_day.content.decode()
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_the_page_takes_only_sensible_years(client, source, day):
    client.force_login(make_user(Role.STAFF))
    response = client.post(
        reverse("sessions_app:campaign_clone"),
        {"source": source.pk, "code": "2022", "name": "x", "capture_day": day},
    )
    assert response.status_code == 400
    assert "首个采集日应在 2000 年到 2100 年之间，请检查年份" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_the_service_refuses_a_year_with_a_code(source):
    with pytest.raises(CloneError) as caught:
        clone_campaign(source=source, code="x", name="x", capture_day=datetime.date(9999, 12, 31), actor=None)
    # The bounds travel with the refusal: its words are made from its params alone.
    assert caught.value.code == "bad_year" and caught.value.params == {"year": 9999, "first": 2000, "last": 2100}
    assert Campaign.objects.count() == 1
    # The edges are fine.
    clone_campaign(source=source, code="y", name="y", capture_day=datetime.date(2100, 12, 31), actor=None)
    clone_campaign(source=source, code="z", name="z", capture_day=datetime.date(2000, 1, 1), actor=None)
    assert Campaign.objects.count() == 3


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_only_staff_may_clone(client, source, role):
    client.force_login(make_user(role))
    response = client.post(
        reverse("sessions_app:campaign_clone"),
        {"source": source.pk, "code": "2022", "name": "x", "capture_day": "2021-11-25"},
    )
    assert response.status_code in (302, 403)
    assert Campaign.objects.count() == 1
