"""Issue 24 item 1: the photo service's own per-college count (its 收费条) beside ours, and the
student's fee card saying the fee is collected on its behalf (代收费)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from fees import remittances
from fees.models import FeeNotice, ServiceCount
from fees.selectors import reconciliation
from fees.services import FeeError
from sessions_app.models import College, Student
from tests.factories import make_student

from .conftest import capture

pytestmark = pytest.mark.django_db


def test_staff_record_the_service_count_and_see_the_difference(client, campaign, college, other_college, staff):
    for _ in range(3):
        capture(make_student(campaign, college))
    capture(make_student(campaign, other_college))
    client.force_login(staff)
    url = reverse("fees:service_count")
    client.post(url, {"campaign": campaign.code, "college": college.pk, "count": "4", "note": "收费条第 1 页"})
    client.post(url, {"campaign": campaign.code, "college": college.pk, "count": "5"})  # a correction: latest wins
    client.post(url, {"campaign": campaign.code, "college": other_college.pk, "count": "0"})

    figures, total = reconciliation(campaign=campaign, colleges=College.objects.all())
    by_name = {f.college.name: f for f in figures}
    assert (by_name[college.name].service_count, by_name[college.name].service_difference) == (5, 2)
    assert (by_name[other_college.name].service_count, by_name[other_college.name].service_shortfall) == (0, 1)
    assert total.service_count == 5 and ServiceCount.objects.count() == 3
    assert AuditEvent.objects.filter(action="fee.service_count").count() == 3

    page = client.get(reverse("fees:reconciliation"), {"campaign": campaign.code}).content.decode()
    assert "摄影方收费条核对" in page and "摄影方多 2 人" in page and "摄影方少 1 人" in page


def test_only_staff_record_it_and_bad_counts_are_refused_in_words(client, campaign, college, coordinator, staff):
    with pytest.raises(FeeError) as refused:
        remittances.record_service_count(campaign=campaign, college=college, count=3, actor=coordinator)
    assert refused.value.code == "staff_only"
    client.force_login(coordinator)
    assert client.post(reverse("fees:service_count"), {"college": college.pk, "count": "3"}).status_code == 403
    client.force_login(staff)
    for bad in ("-1", "abc", "", "1e9", "3\x00"):
        response = client.post(
            reverse("fees:service_count"), {"campaign": campaign.code, "college": college.pk, "count": bad}, follow=True
        )
        assert response.status_code == (400 if "\x00" in bad else 200)  # NUL: refused before any view
    assert not ServiceCount.objects.exists()
    assert (
        "人数请填整数"
        in client.post(
            reverse("fees:service_count"),
            {"campaign": campaign.code, "college": college.pk, "count": "abc"},
            follow=True,
        ).content.decode()
    )


def test_the_reconciliation_costs_the_same_queries_with_many_statements(
    client, campaign, college, staff, django_assert_max_num_queries
):
    capture(make_student(campaign, college))
    client.force_login(staff)
    remittances.record_service_count(campaign=campaign, college=college, count=1, actor=staff)
    url = reverse("fees:reconciliation") + f"?campaign={campaign.code}"
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(10):
        remittances.record_service_count(campaign=campaign, college=college, count=n, actor=staff)
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_the_students_fee_card_says_it_is_collected_on_the_services_behalf(client, campaign, college):
    from accounts.models import Role
    from tests.factories import make_user

    user = make_user(Role.STUDENT)
    student = make_student(campaign, college, user=user)
    capture(student)
    client.force_login(user)
    assert "代收费：本费用由学校代摄影方收取。" in client.get(reverse("home"), follow=True).content.decode()
    FeeNotice.objects.create(
        campaign=campaign, collected_for="新华社辽宁分社图片采集中心", text="每人 17 元，由学院统一收取。"
    )
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home"), follow=True).content.decode()
    assert "代收费：本费用由学校代新华社辽宁分社图片采集中心收取。 每人 17 元，由学院统一收取。" in page
    # The notice comes with the home page's query of the student, not from a query of its own.
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "fees_feenotice"')]
    assert Student.objects.get(pk=student.pk)  # untouched
