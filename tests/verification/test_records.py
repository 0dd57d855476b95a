import datetime

import pytest

from accounts.models import Role
from capture_day.services import undo_check_in
from sessions_app.models import WindowUnit
from tests.factories import make_campaign, make_student, make_user
from verification.models import VerificationRecord
from verification.services import VerificationError, add_working_days, confirm_verification, due_date_for

from .conftest import capture

pytestmark = pytest.mark.django_db


def test_capture_starts_the_clock_with_the_campaign_window(campaign, student_factory):
    student = student_factory()
    capture(student, on=datetime.date(2020, 11, 26))
    record = VerificationRecord.objects.get(student=student)
    assert record.captured_on == datetime.date(2020, 11, 26)
    assert record.due_date == datetime.date(2021, 1, 5)  # 40 days, as in the notice
    assert record.is_active


def test_working_days_skip_weekends():
    # 2020-11-26 is a Thursday; 5 working days later is the next Thursday.
    assert add_working_days(datetime.date(2020, 11, 26), 5) == datetime.date(2020, 12, 3)
    assert add_working_days(datetime.date(2020, 11, 27), 1) == datetime.date(2020, 11, 30)


@pytest.mark.django_db
def test_working_day_window_campaign():
    campaign = make_campaign(verification_window=30, verification_window_unit=WindowUnit.WORKING_DAYS)
    assert due_date_for(campaign=campaign, captured_on=datetime.date(2020, 11, 26)) == datetime.date(2021, 1, 7)


def test_undo_drops_the_record_and_a_new_capture_restarts_it(campaign, student_factory):
    student = student_factory()
    first = capture(student, on=datetime.date(2020, 11, 26))
    undo_check_in(capture=first, actor=make_user(Role.STAFF), reason="刷错人")
    old = VerificationRecord.objects.get(student=student)
    assert not old.is_active
    capture(student, on=datetime.date(2020, 12, 10))
    assert VerificationRecord.objects.filter(student=student).count() == 2
    current = VerificationRecord.objects.get(student=student, is_active=True)
    assert current.due_date == datetime.date(2021, 1, 19)


def test_student_confirms_once(campaign, student_factory):
    user = make_user(Role.STUDENT)
    student = student_factory(user=user)
    capture(student, on=datetime.date(2020, 11, 26))
    first = confirm_verification(student=student, actor=user)
    again = confirm_verification(student=student, actor=user)
    assert first.confirmed_at == again.confirmed_at
    assert again.confirmation_source == "student"


def test_confirming_without_a_capture_is_refused(campaign):
    student = make_student(campaign)
    with pytest.raises(VerificationError, match="采集后才需要网上校对"):
        confirm_verification(student=student, actor=None)
