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
    assert 'data-testid="inbox-unread">1</span>' in page
    # Session, user, and the student with everything the page, its panels and its header read beside
    # it (active capture and 拍摄号, fee account, verification record, newest retake, the unread
    # count the header and the panel both show): one query, prepared once on PostgreSQL.
    assert len(queries) <= 3, [q["sql"][:80] for q in queries.captured_queries]
    alone = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT COUNT(*) AS "__count"')]
    assert alone == []


def test_student_home_before_capture_reads_no_row_per_panel(client, campaign, student_factory):
    """The rows the panels read come with the student's one query, and a row that is not there
    yet (no capture, no fee account, no verification record) shows as such, not as a second query."""
    student = student_factory()
    user = make_user(Role.STUDENT)
    Student.objects.filter(pk=student.pk).update(user=user)
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert "采集后会显示你的网上校对截止日期" in page
    assert "采集后需缴采集费" in page
    assert "已采集" not in page
    assert len(queries) <= 3, [q["sql"][:80] for q in queries.captured_queries]
