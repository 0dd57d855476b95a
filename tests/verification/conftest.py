import datetime
from zoneinfo import ZoneInfo

import pytest

from capture_day.services import check_in, desk_open
from notifications.sms import LocmemSmsBackend
from tests.factories import make_campaign, make_college, make_desk_operator, make_slot, make_student

SH = ZoneInfo("Asia/Shanghai")


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SH)


def capture(student, *, on: datetime.date, slot=None, operator=None):
    """Captured at `slot`'s desk on the day `on`, by `operator` (who runs that desk).

    check_in refuses a desk that is closed on the swipe's day or not the operator's: a capture
    entered on another day than its slot's gets its group a slot on that day too."""
    slot = slot or make_slot(student.campaign, group=f"组{student.pk}", date=on)
    if not desk_open(slot=slot, today=on):
        make_slot(student.campaign, group=slot.group.name, date=on, start="18:00", end="18:30")
    if operator is None:
        operator = make_desk_operator(slot)
    elif operator.is_operator:
        operator.capture_groups.add(slot.group)
    result = check_in(
        campaign=student.campaign, slot=slot, identifier=student.student_no, operator=operator, now=at(on)
    )
    assert result.capture is not None, result.message
    return result.capture


@pytest.fixture(autouse=True)
def _backends(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    settings.VERIFICATION_REMINDER_DAYS = [14, 7, 3, 1]
    LocmemSmsBackend.outbox = []


@pytest.fixture
def campaign():
    return make_campaign(chsi_url="https://xjxl.chsi.com.cn")


@pytest.fixture
def college():
    return make_college("计算机科学与工程学院")


@pytest.fixture
def student_factory(campaign, college):
    def build(**kwargs):
        kwargs.setdefault("college", college)
        return make_student(campaign, **kwargs)

    return build
