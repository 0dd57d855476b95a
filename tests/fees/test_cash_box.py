"""Issue 24 item 1: the fee desk keeps a running total per operator and day, per method, and
prints it as the cash box check."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fees.adjustments import post_refund, reverse_entry
from fees.cash_box import cash_box
from fees.models import Method
from fees.services import post_payment
from tests.factories import make_student

from .conftest import capture, key

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2020, 11, 26, 9, 0, tzinfo=SHANGHAI)
D = Decimal


def _pay(student, who, amount="17", method=Method.CASH):
    return post_payment(student=student, amount=amount, method=method, actor=who, idempotency_key=key()).entry


def test_the_running_total_is_what_this_person_took_today_per_method(campaign, college, coordinator, staff):
    students = [make_student(campaign, college) for _ in range(5)]
    for s in students:
        capture(s)
    with time_machine.travel(MORNING - datetime.timedelta(days=1)):
        _pay(students[0], coordinator)  # yesterday: another day's box
    with time_machine.travel(MORNING):
        _pay(students[1], coordinator)
        _pay(students[2], coordinator)
        wrong = _pay(students[3], coordinator, method=Method.WECHAT)
        reverse_entry(entry=wrong, actor=coordinator, reason="扫错人", idempotency_key=key())
        _pay(students[3], coordinator, method=Method.WECHAT, amount="10")
        post_refund(student=students[1], amount="2", method=Method.CASH, actor=coordinator, idempotency_key=key())
        _pay(students[4], staff)  # a colleague's money is in their box, not this one

        box = cash_box(actor=coordinator, campaign=campaign)
    lines = {line.method: (line.count, line.amount) for line in box.lines}
    assert lines == {Method.CASH: (3, D("32.00")), Method.WECHAT: (3, D("10.00"))}  # 17+17−2; 17−17+10
    assert (box.count, box.total) == (6, D("42.00"))


def test_one_query_however_many_entries(campaign, college, coordinator, django_assert_num_queries):
    with time_machine.travel(MORNING, tick=False):
        for _ in range(12):
            s = make_student(campaign, college)
            capture(s)
            _pay(s, coordinator)
        with django_assert_num_queries(1):
            assert cash_box(actor=coordinator, campaign=campaign).total == D("204.00")


def test_the_entry_page_shows_the_total_and_each_payment_brings_it_back(client, campaign, college, coordinator):
    first, second = make_student(campaign, college, name="甲"), make_student(campaign, college, name="乙")
    for s in (first, second):
        capture(s)
    client.force_login(coordinator)
    with time_machine.travel(MORNING):
        _pay(first, coordinator)
        page = client.get(reverse("fees:entry"), {"campaign": campaign.code}).content.decode()
        assert 'data-testid="cash-box"' in page and "¥17.00" in page and "打印对账单" in page
        answer = client.post(
            reverse("fees:entry") + f"?campaign={campaign.code}",
            {"student": second.pk, "amount": "17", "method": Method.WECHAT, "idempotency_key": key()},
            HTTP_ACCEPT="application/json",
        )
    box = json.loads(answer.content)["cash_box"]
    assert box["total"] == "34.00" and [line["label"] for line in box["lines"]] == ["现金", "微信"]


def test_the_printed_check_lists_every_entry_with_subtotals_and_signatures(client, campaign, college, coordinator):
    students = [make_student(campaign, college, name=f"学生{i}") for i in range(3)]
    with time_machine.travel(MORNING):
        for i, s in enumerate(students):
            capture(s)
            _pay(s, coordinator, method=Method.CASH if i else Method.ALIPAY)
    client.force_login(coordinator)
    page = client.get(reverse("fees:cash_box"), {"campaign": campaign.code, "day": "2020-11-26"}).content.decode()
    assert all(s.name in page for s in students)
    assert "其中现金：2 笔" in page and "其中支付宝：1 笔" in page
    assert '<th class="num" data-testid="cash-box-total">¥51.00</th>' in page
    assert "经办人（签字）" in page and "钱箱实点金额" in page
    other_day = client.get(reverse("fees:cash_box"), {"campaign": campaign.code, "day": "2020-11-27"})
    assert "今天还没有登记" in other_day.content.decode()
    assert client.get(reverse("fees:cash_box"), {"campaign": campaign.code, "day": "99999"}).status_code == 200


def test_a_paid_up_student_is_shown_without_a_payment_form(client, campaign, college, coordinator):
    student = make_student(campaign, college)
    capture(student)
    _pay(student, coordinator)
    client.force_login(coordinator)
    page = client.post(reverse("fees:lookup"), {"campaign": campaign.code, "q": student.student_no}).content.decode()
    assert "已缴清，无需再缴" in page
    assert 'id="pay-form" autocomplete="off" hidden' in page
