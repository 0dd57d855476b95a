import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import Workbook

from accounts.models import Role
from capture_day.services import check_in, undo_check_in
from tests.factories import make_campaign, make_college, make_desk_operator, make_slot, make_student, make_user


def key() -> str:
    return uuid.uuid4().hex


def capture(student, *, operator=None, slot=None):
    """Capture through the real service, charge included, like on the day."""
    campaign = student.campaign
    slot = slot or make_slot(campaign, group=f"组{uuid.uuid4().hex[:6]}")
    operator = operator or make_desk_operator(slot)
    result = check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator)
    assert result.capture is not None, result.message
    return result.capture


def uncapture(capture_obj, *, actor=None):
    return undo_check_in(capture=capture_obj, actor=actor or make_user(Role.STAFF), reason="拍错人了")


def xlsx(rows, headers=("学号", "金额", "方式", "备注")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@pytest.fixture
def campaign(db):
    return make_campaign(fee_per_person=Decimal("17.00"))


@pytest.fixture
def college(db):
    return make_college("计算机科学与工程学院")


@pytest.fixture
def other_college(db):
    return make_college("经济管理学院")


@pytest.fixture
def staff(db):
    return make_user(Role.STAFF, display_name="教务处王老师")


@pytest.fixture
def coordinator(db, college):
    user = make_user(Role.COORDINATOR, display_name="计算机李老师")
    user.colleges.add(college)
    return user


@pytest.fixture
def other_coordinator(db, other_college):
    user = make_user(Role.COORDINATOR, display_name="经管赵老师")
    user.colleges.add(other_college)
    return user


@pytest.fixture
def student(campaign, college):
    return make_student(campaign, college, name="张三")


@pytest.fixture
def captured(student):
    capture(student)
    return student


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Test users are created by the dozen; the real hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
