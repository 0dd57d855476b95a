"""The live dashboard in Chromium while another browser swipes at a desk."""

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_staff_dashboard_moves_within_three_seconds_of_a_swipe(browser, live_server, desk_on_capture_day):
    from playwright.sync_api import expect

    campaign = make_campaign()
    college = make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组")
    make_audience(slot, college=college)
    student = make_student(campaign, college, name="张三")
    make_student(campaign, college)
    refresh_slot_assignments(campaign=campaign)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)

    dashboard = logged_in_page(browser, live_server, make_user(Role.STAFF))
    dashboard.goto(live_server.url + reverse("sessions_app:live_dashboard") + f"?campaign={campaign.code}")
    expect(dashboard.locator("#live-total-captured")).to_have_text("0")
    expect(dashboard.locator("#live-chart .chart-empty")).to_contain_text("还没有数据")  # nothing to draw yet

    desk = logged_in_page(browser, live_server, operator)  # another browser context: its own session
    desk.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(desk.locator("#desk")).to_have_attribute("data-digest", "ready")  # ready for a card
    desk.keyboard.type(student.id_number)
    desk.keyboard.press("Enter")
    expect(desk.locator("#result [data-field=title]")).to_have_text("采集成功")

    expect(dashboard.locator("#live-total-captured")).to_have_text("1", timeout=3000)
    row = dashboard.locator(f"#live-slots tr[data-slot='{slot.pk}']")
    expect(row.locator("[data-col=captured]")).to_have_text("1", timeout=3000)
    expect(dashboard.locator("#live-colleges [data-col=captured]")).to_have_text("1")
    expect(dashboard.locator("#live-chart canvas")).to_have_count(1)  # uPlot drew from static/ on the poll
