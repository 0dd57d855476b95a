"""Switch to English in the page header, see English (also in what the desk's script shows), switch back."""

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day(db):
    campaign = make_campaign()
    college = make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    make_audience(slot, college=college)
    user = make_user(Role.STUDENT)
    student = make_student(campaign, college, name="张三", user=user)
    refresh_slot_assignments(campaign=campaign)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)
    return slot, student, user, operator


def test_student_home_switches_to_english_remembers_it_and_back(browser, live_server, day):
    from playwright.sync_api import expect

    _, _, user, _ = day
    page = logged_in_page(browser, live_server, user)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="我的采集时段")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My capture slot")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Thursday 26 Nov 2020")).to_be_visible()
    page.reload()  # remembered, not a one-page switch
    expect(page.get_by_role("heading", name="My capture slot")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="我的采集时段")).to_be_visible()
    expect(page.get_by_text("My capture slot")).to_have_count(0)


def test_desk_switches_to_english_and_its_script_speaks_english(browser, live_server, day, monkeypatch):
    from playwright.sync_api import expect

    slot, student, _, operator = day
    # The desk opens only on its group's capture day: today is that day here.
    monkeypatch.setattr("capture_day.services.desk_today", lambda: slot.date)
    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")  # ready for a card
    page.get_by_role("button", name="English").click()
    expect(page.locator("#swipe-code")).to_be_focused()
    expect(page.get_by_text("Recent swipes")).to_be_visible()
    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    panel = page.locator("#result")
    expect(panel.locator("[data-field=title]")).to_have_text("Captured")
    expect(panel.locator("[data-field=name]")).to_have_text("张三")
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_text("最近刷证")).to_be_visible()
    expect(page.get_by_text("Recent swipes")).to_have_count(0)
