"""The 拍摄号 on the desk's answer panel, in a real Chromium: large, and the same on a repeat."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.idcard import make_id_number
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("desk_on_capture_day")]


@pytest.fixture
def queue(db):
    campaign = make_campaign()
    college = make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    make_audience(slot, college=college)
    first = make_student(campaign, college, name="张三")
    second = make_student(campaign, college, name="李四")
    refresh_slot_assignments(campaign=campaign)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)
    return slot, first, second, operator


def test_the_desk_shows_each_students_shot_number(browser, live_server, queue):
    from playwright.sync_api import expect

    slot, first, second, operator = queue
    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    shot = page.locator("#result [data-field=shot]")
    expect(shot).to_be_hidden()

    for student, number in ((first, 1), (second, 2)):
        page.keyboard.type(student.student_no)
        page.keyboard.press("Enter")
        expect(page.locator("#result [data-field=name]")).to_have_text(student.name)
        expect(shot).to_be_visible()
        expect(shot.locator(".shot-number")).to_have_text(f"拍摄号 {number}")

    # A repeat swipe (past the client's repeat window) shows the number the student already has.
    page.wait_for_timeout(1600)
    page.keyboard.type(first.student_no)
    page.keyboard.press("Enter")
    expect(page.locator("#result [data-field=title]")).to_have_text("已采集")
    expect(shot.locator(".shot-number")).to_have_text("拍摄号 1")

    stranger = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    page.keyboard.type(stranger)
    page.keyboard.press("Enter")
    expect(page.locator("#result [data-field=title]")).to_have_text("名单中无此人")
    expect(shot).to_be_hidden()
