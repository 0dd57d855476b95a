"""A student whom a CHSI status import shows with a photo is told not to capture again."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from sessions_app.models import Student
from tests.factories import make_user
from verification.models import VerificationRecord

from .conftest import capture

pytestmark = pytest.mark.django_db
WARNING = 'data-testid="chsi-photo-panel"'


@pytest.mark.parametrize(("status", "warned"), [("正确", True), ("信息有误", True), ("未校对", False), ("", False)])
def test_the_home_page_warns_when_chsi_shows_a_photo(client, student_factory, status, warned):
    student = student_factory()
    capture(student, on=timezone.localdate() - datetime.timedelta(days=5))
    VerificationRecord.objects.filter(student=student).update(chsi_status=status)
    user = make_user(Role.STUDENT)
    Student.objects.filter(pk=student.pk).update(user=user)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert (WARNING in page) is warned
    if warned:
        assert "请不要再次参加图像采集" in page
