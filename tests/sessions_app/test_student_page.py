"""Issue 24 item 5: one page answers a student's phone call: capture, fee ledger, CHSI state,
problem reports and retakes, each within what the viewer may see."""

import uuid

import pytest
from django.urls import reverse

from capture_day.services import check_in
from fees.models import Method
from fees.services import post_payment
from retakes.services import create_request
from tests.sessions_app.test_views import text
from verification.services import report_problem

pytestmark = pytest.mark.django_db


def _capture(world, student):
    return check_in(
        campaign=world.campaign, slot=student.assigned_slot, identifier=student.student_no, operator=world.staff
    )


def _page(client, user, student):
    client.force_login(user)
    return text(client.get(reverse("sessions_app:student_detail", args=[student.pk])))


def test_staff_see_capture_fees_chsi_reports_and_retakes_on_one_page(client, world):
    student = world.econ_student
    _capture(world, student)
    post_payment(
        student=student, amount="10", method=Method.WECHAT, actor=world.staff, idempotency_key=uuid.uuid4().hex
    )
    report_problem(student=student, problem_type="wrong_data", description="专业写错", actor=None)
    create_request(student=student, actor=world.staff, reason="internship", channel="central")

    page = _page(client, world.staff, student)
    assert "采集记录" in page and "有效" in page
    assert "<td>学号</td>" in page and "<td>student_no</td>" not in page  # how it was identified, in words
    assert 'id="panel-fees"' in page and "¥17.00" in page and "微信" in page and 'data-testid="owed">¥7.00' in page
    assert 'id="panel-verification"' in page and "未确认" in page and "本人学籍信息有误" in page
    assert 'id="panel-retakes"' in page and "参加省集中补拍" in page and "已申请" in page


def test_a_counselor_sees_chsi_and_retakes_but_not_the_fee_ledger(client, world):
    student = world.econ_student
    _capture(world, student)
    page = _page(client, world.counselor, student)
    assert 'id="panel-verification"' in page and 'id="panel-retakes"' in page
    assert 'id="panel-fees"' not in page


def test_the_page_costs_the_same_queries_with_a_long_ledger_and_many_reports(
    client, world, django_assert_max_num_queries
):
    student = world.econ_student
    _capture(world, student)
    client.force_login(world.staff)
    url = reverse("sessions_app:student_detail", args=[student.pk])
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    baseline = len(few)
    for _ in range(8):
        post_payment(
            student=student, amount="1", method=Method.CASH, actor=world.staff, idempotency_key=uuid.uuid4().hex
        )
    for problem_type in ("no_photo_find", "no_photo_contact", "wrong_photo"):
        report_problem(student=student, problem_type=problem_type, description="照片不对", actor=None)
    with django_assert_max_num_queries(baseline):
        assert text(client.get(url)).count("现金") >= 8
