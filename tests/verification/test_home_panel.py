import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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
    client.get("/")  # warm the per-process caches (content types, panel discovery)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert 'class="card verification-panel"' in page
    assert "还剩 3 天" in page
    assert "1 条未读" in page
    assert "https://xjxl.chsi.com.cn" in page
    # The panel shows the header's own unread count: counted once for the page, not per panel.
    counts = [q["sql"] for q in queries.captured_queries if 'FROM "notifications_notification"' in q["sql"]]
    assert len(counts) == 1, counts
    # Session, user, student, active capture, fee account, verification record, retake, unread.
    assert len(queries) <= 8, [q["sql"][:80] for q in queries.captured_queries]
