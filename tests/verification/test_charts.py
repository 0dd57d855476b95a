"""The verification chart on the progress page: captured and confirmed per day."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.models import Student
from tests.factories import make_user
from verification.charts import verification_timeline
from verification.services import confirm_verification

from .conftest import at, capture

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


def test_captured_and_confirmed_per_day(campaign, student_factory, django_assert_max_num_queries):
    students = [student_factory() for _ in range(3)]
    for student in students:
        capture(student, on=DAY)
    confirm_verification(student=students[0], actor=None, now=at(DAY + datetime.timedelta(days=2)))
    with django_assert_max_num_queries(3):
        data = verification_timeline(campaign=campaign, students=Student.objects.all())
    assert data["names"] == ["已采集", "已确认"]
    by_series = {0: [], 1: []}
    for epoch, series, n in data["points"]:
        by_series[series].append((datetime.datetime.fromtimestamp(epoch, at(DAY).tzinfo).date(), n))
    assert by_series == {0: [(DAY, 3)], 1: [(DAY + datetime.timedelta(days=2), 1)]}
    assert verification_timeline(campaign=campaign, students=Student.objects.none())["points"] == []
    assert data["span"][0] == int(at(DAY).replace(hour=0, minute=0, second=0).timestamp())


def test_progress_page_has_the_chart(client, campaign, student_factory):
    capture(student_factory(), on=DAY)
    client.force_login(make_user(Role.STAFF))
    html = client.get(reverse("verification:index"), {"campaign": campaign.code}).content.decode()
    assert 'data-chart="verification-chart"' in html and '<script id="verification-chart"' in html
    assert "/static/js/charts.js" in html
