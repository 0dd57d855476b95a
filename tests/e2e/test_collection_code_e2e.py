"""采集码 in a browser: a student binds the saved image on their phone-sized page; the offline
desk recognises the scanned payload from its digest and records it once the network is back."""

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.collection_codes import code_hash
from sessions_app.models import Capture, Student
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user
from tests.qr_images import PAYLOAD, blurred_screenshot, saved_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CODES = ["id_card", "student_no", "collection_code"]


def test_a_student_binds_the_saved_image_and_a_screenshot_is_refused(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    campaign = make_campaign(identification_methods=CODES)
    user = make_user(Role.STUDENT)
    student = make_student(campaign, make_college("经济管理学院"), name="张三", user=user)
    (tmp_path / "shot.png").write_bytes(blurred_screenshot())
    (tmp_path / "code.png").write_bytes(saved_png())

    page = logged_in_page(browser, live_server, user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    page.get_by_test_id("code-panel").get_by_role("link").click()
    upload = page.get_by_test_id("code-upload")
    upload.locator("input[type=file]").set_input_files(str(tmp_path / "shot.png"))
    upload.locator("button[type=submit]").click()
    expect(page.get_by_test_id("code-error")).to_contain_text("长按保存原图")
    assert Student.objects.get(pk=student.pk).collection_code_hash is None

    upload = page.get_by_test_id("code-upload")
    upload.locator("input[type=file]").set_input_files(str(tmp_path / "code.png"))
    upload.locator("button[type=submit]").click()
    expect(page.get_by_test_id("code-panel")).to_contain_text("已绑定")
    assert Student.objects.get(pk=student.pk).collection_code_hash == code_hash(PAYLOAD)


def test_the_offline_desk_knows_a_bound_code_from_its_digest(browser, live_server, desk_on_capture_day, network):
    from playwright.sync_api import expect

    campaign = make_campaign(identification_methods=CODES)
    econ = make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    make_audience(slot, college=econ)
    zhang = make_student(campaign, econ, name="张三", class_name="经管1701", collection_code=PAYLOAD)
    refresh_slot_assignments(campaign=campaign)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)

    page = logged_in_page(browser, live_server, operator)
    page.goto(live_server.url + reverse("capture_day:desk", args=[slot.pk]))
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    expect(page.locator("#desk")).to_have_attribute("data-offline", "ready")
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    network.cut(page)
    page.keyboard.type(PAYLOAD)
    page.keyboard.press("Enter")
    panel = page.locator("#result")
    expect(panel).to_contain_text("可能在本时段名单内（联网后确认）：张 · 经管1701")

    network.restore(page)
    expect(page.locator("#offline-banner")).to_be_hidden(timeout=15000)
    capture = Capture.objects.get(student=zhang)
    assert capture.method == "collection_code"
