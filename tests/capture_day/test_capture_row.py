"""The capture row a swipe writes (check_in's `_record_capture`): who the code finds, what is kept,
what the desk is shown. check_in is the only way to write one."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from capture_day.results import Outcome
from capture_day.services import check_in, undo_check_in
from sessions_app.models import Capture
from sessions_app.services import CaptureError, refresh_slot_assignments
from tests.factories import (
    make_audience,
    make_campaign,
    make_college,
    make_desk_operator,
    make_slot,
    make_student,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    campaign = make_campaign(identification_methods=["id_card", "student_no", "collection_code"])
    college = make_college("计算机科学与工程学院")
    slot = make_slot(campaign, start="09:50", end="11:00")
    make_audience(slot, college=college)
    other_slot = make_slot(campaign, start="08:30", end="09:50")
    make_audience(other_slot, college=make_college("经济管理学院"))
    student = make_student(campaign, college, collection_code="CHSI2021ABC")
    student.collection_code = "CHSI2021ABC"  # what the scanner types; only its hash is stored
    refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db(fields=["assigned_slot", "derived_slot", "slot_status"])
    return campaign, slot, other_slot, student, make_desk_operator(slot, other_slot)


def test_swipe_by_id_number_captures_and_shows_no_digit_of_it(desk):
    campaign, slot, _, student, operator = desk
    result = check_in(campaign=campaign, slot=slot, identifier=student.id_number, operator=operator)
    shown = result.as_dict()
    assert result.outcome == Outcome.CAPTURED and result.created
    assert shown["student"]["name"] == student.name
    # Issue 25: the area code, sequence and check character once shown here let an operator rebuild
    # the whole number from the offline digest; the answer names the person, not the number.
    assert "masked_id" not in shown["student"]
    for part in (student.id_number[:6], student.id_number[6:14], student.id_number[-4:]):
        assert part not in str(shown)
    assert shown["student"]["student_no"] == student.student_no[:2] + "******" + student.student_no[-2:]
    assert Capture.objects.filter(student=student, undone_at__isnull=True).count() == 1


def test_reader_input_is_normalised(desk):
    campaign, slot, _, student, operator = desk
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in student.id_number.lower()) + " \n"
    result = check_in(campaign=campaign, slot=slot, identifier=full_width, operator=operator)
    assert result.outcome == Outcome.CAPTURED


@pytest.mark.parametrize("field", ["student_no", "collection_code"])
def test_student_number_and_collection_code_identify_too(desk, field):
    campaign, slot, _, student, operator = desk
    result = check_in(campaign=campaign, slot=slot, identifier=getattr(student, field), operator=operator)
    assert result.outcome == Outcome.CAPTURED
    assert result.student == student


def test_second_swipe_adds_nothing(desk):
    campaign, slot, _, student, operator = desk
    check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator)
    again = check_in(campaign=campaign, slot=slot, identifier=student.id_number, operator=operator)
    assert again.outcome == Outcome.ALREADY and not again.created
    assert "已于" in again.message and "未重复记录" in again.message
    assert Capture.objects.filter(student=student).count() == 1
    assert AuditEvent.objects.filter(action="capture.record").count() == 1


def test_wrong_slot_is_captured_and_flagged_with_the_real_slot(desk):
    campaign, slot, other_slot, student, operator = desk
    result = check_in(campaign=campaign, slot=other_slot, identifier=student.student_no, operator=operator)
    assert result.outcome == Outcome.WRONG_SLOT
    assert Capture.objects.get(student=student).wrong_slot is True
    assert "09:50-11:00" in result.as_dict()["expected_slot"]


def test_not_on_roster_records_nothing(desk):
    campaign, slot, _, _student, operator = desk
    result = check_in(campaign=campaign, slot=slot, identifier="110105194912310021", operator=operator)
    assert result.outcome == Outcome.NOT_FOUND
    assert "名单中没有此人" in result.message
    assert "110***********0021" in result.message and "110105" not in result.message
    assert not Capture.objects.exists()
    assert not AuditEvent.objects.exists()


def test_student_of_another_campaign_is_not_on_this_roster(desk):
    campaign, slot, _, _student, operator = desk
    stranger = make_student(make_campaign())
    result = check_in(campaign=campaign, slot=slot, identifier=stranger.student_no, operator=operator)
    assert result.outcome == Outcome.NOT_FOUND


def test_undo_needs_a_reason_then_frees_the_student_for_a_new_capture(desk):
    campaign, slot, _, student, operator = desk
    staff = make_user("staff")
    check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator)
    capture = Capture.objects.get()
    with pytest.raises(CaptureError):
        undo_check_in(capture=capture, actor=staff, reason="  ")
    undo_check_in(capture=capture, actor=staff, reason="刷错了人")
    with pytest.raises(CaptureError):
        undo_check_in(capture=capture, actor=staff, reason="再次撤销")
    assert Capture.objects.get().undo_reason == "刷错了人"
    event = AuditEvent.objects.get(action="capture.undo")
    assert event.actor == staff and "刷错了人" in event.summary
    again = check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator)
    assert again.outcome == Outcome.CAPTURED
    assert Capture.objects.filter(student=student).count() == 2


def test_capture_time_is_kept(desk):
    campaign, slot, _, student, operator = desk
    when = timezone.make_aware(datetime.datetime(2020, 11, 26, 10, 5))
    check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator, now=when)
    assert Capture.objects.get().captured_at == when
