"""The capture desk in a real Chromium: type an ID number, press Enter, read the answer."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.idcard import make_id_number
from sessions_app.models import Capture
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("desk_on_capture_day")]


@pytest.fixture
def desk_setup(db):
    campaign = make_campaign()
    college = make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    make_audience(slot, college=college)
    student = make_student(campaign, college, name="张三", class_name="经管1701")
    make_student(campaign, college, name="李四")
    refresh_slot_assignments(campaign=campaign)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)
    return slot, student, operator


def test_operator_swipes_at_the_desk(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, student, operator = desk_setup
    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")  # ready for a card
    code = page.locator("#swipe-code")
    expect(code).to_be_focused()
    panel = page.locator("#result")
    expect(page.locator("#count-expected")).to_have_text("2")

    # The reader types the 18 characters and Enter into whatever has focus.
    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    expect(panel.locator("[data-field=title]")).to_have_text("采集成功")
    expect(panel.locator("[data-field=name]")).to_have_text("张三")
    # The student number masked; not a digit of the ID number (issue 25).
    expect(panel).to_contain_text(student.student_no[:2] + "******" + student.student_no[-2:])
    expect(panel).not_to_contain_text(student.id_number[-4:])
    expect(panel).to_have_class("desk-result outcome-captured")
    expect(page.locator("#count-captured")).to_have_text("1")
    expect(page.locator("#recent li").first).to_contain_text("张三")
    expect(code).to_have_value("")
    expect(code).to_be_focused()
    assert Capture.objects.filter(student=student).count() == 1

    # Past the client's repeat window a second swipe reaches the server: nothing is added.
    page.wait_for_timeout(1600)
    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    expect(panel.locator("[data-field=title]")).to_have_text("已采集")
    expect(panel.locator("[data-field=name]")).to_have_text("张三")
    expect(page.locator("#count-captured")).to_have_text("1")

    stranger = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    page.keyboard.type(stranger)
    page.keyboard.press("Enter")
    expect(panel.locator("[data-field=title]")).to_have_text("名单中无此人")
    expect(panel).to_have_class("desk-result outcome-not_found")
    expect(panel.locator("[data-field=name]")).to_have_text("")
    # The recent-swipe list names the stranger by the masked number only: 3 first and 4 last characters.
    expect(page.locator("#recent li").first).to_contain_text(stranger[:3] + "*" * 11 + stranger[-4:])
    expect(page.locator("#recent")).not_to_contain_text(stranger)
    assert Capture.objects.count() == 1


def test_focus_returns_to_the_input(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, _student, operator = desk_setup
    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")  # ready for a card
    page.locator(".desk-counts").click()
    expect(page.locator("#swipe-code")).to_be_focused()


def test_a_failed_send_is_kept_and_sent_again(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, student, operator = desk_setup
    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")  # ready for a card
    page.route("**/swipe/", lambda route: route.abort())
    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    expect(page.locator("#result [data-field=title]")).to_have_text("已暂存（离线）")
    expect(page.locator("#offline-banner")).to_have_text("离线：已暂存 1 条，联网后自动上传")
    expect(page.locator("#result")).to_contain_text("可能在本时段名单内（联网后确认）：张 · 经管1701")
    assert Capture.objects.count() == 0
    page.unroute("**/swipe/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#recent li").first).to_contain_text("采集成功")
    expect(page.locator("#offline-banner")).to_be_hidden()
    assert Capture.objects.filter(student=student).count() == 1


def test_staff_undoes_a_swipe_from_the_recent_list(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, student, _operator = desk_setup
    staff = make_user(Role.STAFF)
    page = logged_in_page(browser, live_server, staff)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")  # ready for a card
    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    expect(page.locator("#count-captured")).to_have_text("1")
    page.once("dialog", lambda dialog: dialog.accept("刷错了人"))
    page.locator("#recent li").first.locator("button.undo").click()
    expect(page.locator("#recent li").first).to_contain_text("已撤销")
    expect(page.locator("#count-captured")).to_have_text("0")
    expect(page.locator("#swipe-code")).to_be_focused()
    capture = Capture.objects.get(student=student)
    assert capture.undone_by == staff and capture.undo_reason == "刷错了人"
