"""The desk without a network: five swipes queued, a reload, then the network back."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from capture_day.models import DeskSwipe
from capture_day.services import check_in
from sessions_app.idcard import make_id_number
from sessions_app.models import Capture
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# 12: the slot already has more captures than the recent list holds, so the page opens with a
# full list, and the swipes queued offline must still be shown, kept through a reload, and recorded.
@pytest.mark.parametrize("already_captured", [0, 12])
def test_offline_swipes_are_kept_through_a_reload_and_recorded_once_online(
    browser, live_server, desk_on_capture_day, network, already_captured
):
    from playwright.sync_api import expect

    campaign = make_campaign()
    econ, cs = make_college("经济管理学院"), make_college("计算机学院")
    slot = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    other_slot = make_slot(campaign, group="金石滩第一组", start="09:50", end="11:00")
    make_audience(slot, college=econ)
    make_audience(other_slot, college=cs)
    zhang = make_student(campaign, econ, name="张三", class_name="经管1701")
    li = make_student(campaign, econ, name="李四", class_name="经管1702")
    wang = make_student(campaign, cs, name="王五", class_name="计算机1701")
    refresh_slot_assignments(campaign=campaign)
    stranger = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)
    earlier = [make_student(campaign, econ, name=f"先到{i}") for i in range(already_captured)]
    refresh_slot_assignments(campaign=campaign)
    for student in earlier:
        check_in(campaign=campaign, slot=slot, identifier=student.id_number, operator=operator)

    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    expect(page.locator("#desk")).to_have_attribute("data-offline", "ready")  # the desk is in the cache
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    network.cut(page)

    def swipe(code):
        page.keyboard.type(code)
        page.keyboard.press("Enter")

    panel = page.locator("#result")
    swipe(zhang.id_number)
    expect(panel.locator("[data-field=title]")).to_have_text("已暂存（离线）")
    # A short tag matches, so a "maybe" with the student's initial and class (capture_day/digest.py).
    expect(panel).to_contain_text("可能在本时段名单内（联网后确认）：张 · 经管1701")
    page.wait_for_timeout(1600)  # past the reader's double-fire window: a real second swipe
    swipe(zhang.id_number)
    swipe(li.student_no)
    expect(panel).to_contain_text("学号离线无法核对，联网后确认")  # no student number in the digest
    swipe(stranger)
    expect(panel).to_contain_text("不在本时段名单")
    swipe(wang.id_number)
    expect(panel).to_contain_text("不在本时段名单")
    banner = page.locator("#offline-banner")
    expect(banner).to_have_text("离线：已暂存 5 条，联网后自动上传")
    expect(page.locator("#recent li.outcome-queued")).to_have_count(5)
    assert Capture.objects.count() == already_captured

    page.reload()  # still offline: the service worker serves the desk, IndexedDB keeps the queue
    expect(banner).to_have_text("离线：已暂存 5 条，联网后自动上传")
    expect(page.locator("#recent li.outcome-queued")).to_have_count(5)
    assert Capture.objects.count() == already_captured

    network.restore(page)
    expect(banner).to_be_hidden(timeout=15000)
    expect(page.locator("#recent li.outcome-queued")).to_have_count(0)
    newest = page.locator("#recent > li").filter(has_not_text="先到")
    expect(newest).to_have_count(5)
    outcomes = newest.locator(".recent-outcome").all_text_contents()
    assert sorted(outcomes) == sorted(["采集成功", "已采集", "采集成功", "名单中无此人", "非本人时段"]), outcomes
    names = newest.locator(".recent-name").all_text_contents()
    assert {"张三", "李四", "王五"} <= set(names)
    assert stranger not in page.content()  # the stranger's number is shown masked only

    captures = Capture.objects.filter(undone_at__isnull=True).exclude(student__in=earlier)
    assert captures.count() == 3
    assert set(captures.values_list("student__name", flat=True)) == {"张三", "李四", "王五"}
    assert captures.get(student=wang).wrong_slot and not captures.get(student=zhang).wrong_slot
    assert DeskSwipe.objects.count() == 5
    expect(page.locator("#count-captured")).to_have_text(str(2 + already_captured))
