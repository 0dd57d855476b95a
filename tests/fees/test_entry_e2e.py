"""The payment desk in a real Chromium: scan, Enter, Enter, scan the next."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from fees.models import Entry, FeeAccount, Kind
from tests.browser import logged_in_page
from tests.factories import make_campaign, make_college, make_student, make_user

from .conftest import capture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_payment_entry(browser, live_server):
    from playwright.sync_api import expect

    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    other = make_college("经济管理学院")
    zhang = make_student(campaign, college, name="张三")
    li = make_student(campaign, college, name="李四")
    outsider = make_student(campaign, other, name="王五")
    capture(zhang)
    capture(li)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)

    page = logged_in_page(browser, live_server, coordinator)
    page.goto(f"{live_server.url}{reverse('fees:entry')}?campaign={campaign.code}")
    lookup = page.locator("#lookup-q")
    expect(lookup).to_be_focused()

    page.keyboard.type(zhang.student_no)
    page.keyboard.press("Enter")
    amount = page.locator("#pay-amount")
    expect(amount).to_be_focused()
    expect(amount).to_have_value("17.00")
    expect(page.locator('#pay-card [data-field="name"]')).to_have_text("张三")
    page.keyboard.press("Enter")
    expect(page.locator("#fee-message")).to_contain_text("已登记：张三")
    expect(lookup).to_be_focused()

    # Next student, part payment typed over the prefilled amount.
    page.keyboard.type(li.student_no)
    page.keyboard.press("Enter")
    expect(amount).to_be_focused()
    page.keyboard.type("10")
    page.keyboard.press("Enter")
    expect(page.locator("#fee-message")).to_contain_text("¥10.00")

    # The day's running total per method follows every payment.
    expect(page.locator("#cash-box-total")).to_have_text("¥27.00")
    expect(page.locator("#cash-box-lines")).to_contain_text("现金")

    # Paid in full already: shown, but no payment is offered and the next scan goes straight in.
    page.keyboard.type(zhang.student_no)
    page.keyboard.press("Enter")
    expect(page.locator("#fee-message")).to_contain_text("张三 已缴清，无需再缴")
    expect(page.locator("#pay-form")).to_be_hidden()
    expect(page.locator("#paid-up")).to_be_visible()
    expect(lookup).to_be_focused()

    # Another college's student: refused, nothing about them shown.
    page.keyboard.type(outsider.student_no)
    page.keyboard.press("Enter")
    expect(page.locator("#fee-message")).to_contain_text("在你负责的学院中没有找到")
    expect(page.locator("#pay-card")).to_be_hidden()

    expect(page.locator("#fee-recent li")).to_have_count(2)
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 2
    assert FeeAccount.objects.get(student=li).balance == Decimal("7.00")


def test_bulk_mark_paid_asks_how_many_and_how_much_first(browser, live_server):
    from playwright.sync_api import expect

    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    students = [make_student(campaign, college, name=name) for name in ("张三", "李四", "王五")]
    for student in students:
        capture(student)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    page = logged_in_page(browser, live_server, coordinator)
    page.goto(f"{live_server.url}{reverse('fees:ledger')}?campaign={campaign.code}")

    page.locator("[data-select-all]").check()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="标记已缴").click()
    expect(page.locator("[data-select-all]")).to_be_checked()
    assert asked and asked[0].startswith("为 3 人登记 ¥51.00？"), asked
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="标记已缴").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_be_visible()
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 3
