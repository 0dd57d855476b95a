"""Issue 25 at the desk in a real Chromium: a 503 is queued like an offline swipe and synced once,
logging out with swipes still queued warns first, and the digest leaves the browser after the
desk's days."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from capture_day.models import DeskSwipe
from sessions_app.models import Capture
from sessions_app.services import refresh_slot_assignments
from tests.factories import CAPTURE_DAY, make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("desk_on_capture_day")]

UNAVAILABLE = '{"code": "db_unavailable", "message": "数据库暂时不可用，请稍后重试"}'


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


def desk_page(browser, live_server, user, slot):
    """The desk without its service worker: page.route sees every request the page makes."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", service_workers="block")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    return page


def answer_503_while(page, slot, state):
    """Route the swipe URL: a 503 with Retry-After while state["down"], else the real server."""
    seen = {"503": 0, "through": 0}

    def handle(route):
        if state["down"]:
            seen["503"] += 1
            route.fulfill(status=503, headers={"Retry-After": "2"}, content_type="application/json", body=UNAVAILABLE)
        else:
            seen["through"] += 1
            route.continue_()

    page.route("**" + reverse("capture_day:desk_swipe", args=[slot.pk]), handle)
    return seen


def stored_digest(page, slot_id):
    return page.evaluate(
        """(slot) => new Promise((resolve) => {
            const open = indexedDB.open("photocapture-desk", 1);
            open.onsuccess = () => {
              const get = open.result.transaction("digest").objectStore("digest").get(String(slot));
              get.onsuccess = () => resolve(get.result ? Object.keys(get.result.ids).length : null);
            };
        })""",
        slot_id,
    )


def test_a_503_swipe_is_queued_and_synced_once(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, student, operator = desk_setup
    page = desk_page(browser, live_server, operator, slot)
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    state = {"down": True}
    seen = answer_503_while(page, slot, state)

    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    panel = page.locator("#result")
    # The server said "unavailable", not "no": the swipe waits, with the offline verdict.
    expect(panel.locator("[data-field=title]")).to_have_text("已暂存（离线）")
    expect(panel).to_contain_text("可能在本时段名单内（联网后确认）：张 · 经管1701")
    banner = page.locator("#offline-banner")
    expect(banner).to_have_text("离线：已暂存 1 条，联网后自动上传")
    expect(page.locator("#recent li.outcome-queued")).to_have_count(1)
    page.wait_for_timeout(6000)  # one more sync round while the server is still unavailable
    assert seen["503"] >= 2 and seen["through"] == 0
    assert Capture.objects.count() == 0 and DeskSwipe.objects.count() == 0

    state["down"] = False
    expect(banner).to_be_hidden(timeout=15000)
    expect(page.locator("#recent li.outcome-queued")).to_have_count(0)
    expect(page.locator("#recent > li").first).to_contain_text("张三")
    expect(page.locator("#count-captured")).to_have_text("1")
    page.wait_for_timeout(6000)  # and no later round sends it again
    assert seen["through"] == 1
    assert Capture.objects.filter(student=student).count() == 1 and DeskSwipe.objects.count() == 1


def _dismissed_question(page) -> str:
    """Click 退出 and answer the browser's question with "stay"; returns its words.

    The handler is in place before the click: a confirm() that opens while the click is still
    settling blocks the page, and `expect_event` around the click then waits for ever (it did,
    on a loaded machine)."""
    asked: list[str] = []
    page.once("dialog", lambda dialog: asked.append(dialog.message) or dialog.dismiss())
    page.locator("form[data-logout] button").click()
    for _ in range(100):
        if asked:
            return asked[0]
        page.wait_for_timeout(100)
    raise AssertionError("no question before logout")


def test_logout_with_queued_swipes_warns_and_lets_the_operator_stay(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, student, operator = desk_setup
    page = desk_page(browser, live_server, operator, slot)
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    state = {"down": True}
    answer_503_while(page, slot, state)
    page.keyboard.type(student.id_number)
    page.keyboard.press("Enter")
    expect(page.locator("#offline-banner")).to_have_text("离线：已暂存 1 条，联网后自动上传")

    assert page.evaluate("indexedDB.databases().then((d) => d.map((x) => x.name))") == ["photocapture-desk"]
    # The swipe cannot be sent: the operator is asked, and says "stay".
    assert _dismissed_question(page) == "还有 1 条刷证没有上传：现在退出会把它们从这台电脑上删除。确定退出吗？"
    expect(page.locator("#offline-banner")).to_have_text("离线：已暂存 1 条，联网后自动上传")
    assert page.url.endswith(reverse("capture_day:desk", args=[slot.pk]))  # still at the desk
    dialogs = []

    # On any other page the same question (the swipe waits in this browser's storage).
    page.goto(live_server.url + reverse("capture_day:desk_index"))
    question = _dismissed_question(page)
    assert question == "这台电脑上还有未上传的刷证：现在退出会把它们删除。请先回到采集台联网上传。确定退出吗？"
    page.wait_for_timeout(500)
    assert page.url.endswith(reverse("capture_day:desk_index"))
    assert Capture.objects.count() == 0

    # Once the server is back, the logout first sends the queue, then goes without a question.
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#offline-banner")).to_have_text("离线：已暂存 1 条，联网后自动上传")
    state["down"] = False
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
    with page.expect_response(lambda r: r.url.endswith(reverse("accounts:logout"))) as logout:
        page.locator("form[data-logout] button").click()
    assert logout.value.all_headers()["clear-site-data"] == '"cache", "storage"'
    assert dialogs == []
    # The browser did as told: the desk's IndexedDB (digest and queue) is gone from this PC.
    page.wait_for_url("**" + reverse(settings.LOGIN_URL) + "**")
    assert page.evaluate("indexedDB.databases().then((d) => d.map((x) => x.name))") == []
    assert Capture.objects.filter(student=student).count() == 1


def test_the_digest_leaves_the_browser_after_the_desks_days(browser, live_server, desk_setup, monkeypatch):
    import datetime

    from playwright.sync_api import expect

    slot, _student, operator = desk_setup
    page = desk_page(browser, live_server, operator, slot)
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    assert stored_digest(page, slot.pk) == 2  # two students, two ID tags

    # The day after: the server refuses the digest, and the desk deletes the copy it kept.
    monkeypatch.setattr("capture_day.services.desk_today", lambda: CAPTURE_DAY + datetime.timedelta(days=1))
    page.reload()
    expect(page.locator("#desk")).to_have_attribute("data-digest", "missing")
    assert stored_digest(page, slot.pk) is None


def test_logout_with_nothing_queued_asks_nothing(browser, live_server, desk_setup):
    slot, _student, operator = desk_setup
    page = desk_page(browser, live_server, operator, slot)
    page.goto(live_server.url + reverse("capture_day:desk_index"))
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
    with page.expect_response(lambda r: r.url.endswith(reverse("accounts:logout"))):
        page.locator("form[data-logout] button").click()
    page.wait_for_url("**" + reverse(settings.LOGIN_URL) + "**")
    assert dialogs == []


def test_any_page_drops_a_digest_whose_days_are_over(browser, live_server, desk_setup):
    from playwright.sync_api import expect

    slot, _student, operator = desk_setup
    page = desk_page(browser, live_server, operator, slot)
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    page.goto(live_server.url + reverse("capture_day:desk_index"))
    page.wait_for_timeout(500)
    assert stored_digest(page, slot.pk) == 2  # still within the desk's days: kept
    # The browser's clock runs past the digest's time (as on the next morning).
    page.evaluate(
        """(slot) => new Promise((resolve) => {
            const open = indexedDB.open("photocapture-desk", 1);
            open.onsuccess = () => {
              const tx = open.result.transaction("digest", "readwrite");
              const store = tx.objectStore("digest");
              const get = store.get(String(slot));
              get.onsuccess = () => { get.result.expires = Date.now() - 1; store.put(get.result); };
              tx.oncomplete = () => { open.result.close(); resolve(); };
            };
        })""",
        slot.pk,
    )
    page.reload()
    page.wait_for_timeout(500)
    assert stored_digest(page, slot.pk) is None
