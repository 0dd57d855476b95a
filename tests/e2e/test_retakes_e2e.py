"""The photo self-check in a real Chromium: choose a file, read the findings, no page reload."""

import pytest
from django.urls import reverse

from accounts.models import Role
from retakes import services
from retakes.models import Channel, CheckStatus, Reason, RetakePhoto
from tests.browser import logged_in_page
from tests.factories import make_campaign, make_college, make_student, make_user
from tests.retakes.conftest import photos  # noqa: F401  (the session-scoped corpus)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def retake(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    campaign = make_campaign(retake_centre_address="沈阳市浑南区浑南二路1号新华国际公寓D座1-1门店")
    user = make_user(Role.STUDENT, display_name="张三")
    student = make_student(campaign, make_college("理学院"), name="张三", user=user)
    request = services.create_request(student=student, actor=user, reason=Reason.HOSPITAL, channel=Channel.PROXY)
    return request, user


def test_student_checks_photos_then_submits_a_failing_one_with_a_note(
    browser,
    live_server,
    retake,
    photos,  # noqa: F811
    tmp_path,
):
    from playwright.sync_api import expect

    request, user = retake
    good = tmp_path / "good.jpg"
    good.write_bytes(photos["pass"])
    high = tmp_path / "high.jpg"
    high.write_bytes(photos["head_too_high"])

    page = logged_in_page(browser, live_server, user)
    page.goto(live_server.url + reverse("retakes:detail", args=[request.pk]))
    page.evaluate("window.__sameDocument = true")
    result = page.locator("[data-findings]")

    page.set_input_files("#id_photo", str(good))
    # The first check in a process loads the landmark model (about 100 MB): seconds on a busy machine.
    expect(result).to_contain_text("照片符合要求", timeout=60_000)
    expect(page.locator("[data-submit]")).to_have_text("提交照片")
    # The chosen photo is shown beside its findings, from the browser's own copy.
    page.wait_for_function("() => document.querySelector('[data-preview]').naturalWidth > 0", timeout=10_000)
    assert page.evaluate("document.querySelector('[data-preview]').src").startswith("blob:")

    page.set_input_files("#id_photo", str(high))
    expect(result.locator("li[data-code=head_top]")).to_contain_text("头顶离上边缘太近")
    expect(result).to_contain_text("50–110 px")
    expect(page.locator("[data-submit]")).to_have_text("仍然提交")
    assert page.evaluate("window.__sameDocument") is True  # the findings came without a reload
    assert not RetakePhoto.objects.exists()  # a self-check stores nothing

    # "仍然提交" without the note the hint asks for: the browser asks for it, nothing is sent.
    assert page.evaluate("document.querySelector('#id_note').required") is True
    page.click("[data-submit]")
    assert page.evaluate("document.querySelector('#id_note').validity.valueMissing") is True
    assert page.evaluate("window.__sameDocument") is True and not RetakePhoto.objects.exists()

    page.fill("#id_note", "住院中只能提供这张")
    page.click("[data-submit]")
    expect(page.locator(".messages")).to_contain_text("没有通过自动检查")
    expect(page.locator("#current-photo")).to_contain_text("住院中只能提供这张")
    expect(page.locator("#current-photo li[data-code=head_top]")).to_be_visible()
    photo = RetakePhoto.objects.get()
    assert photo.check_status == CheckStatus.FAILED and photo.note == "住院中只能提供这张"
    # The stored photo is shown through the scoped view.
    image = page.locator("#current-photo img")
    expect(image).to_be_visible()
    # Visible is not loaded: wait for the bytes (a 404 or a broken file never gets a width and times out).
    page.wait_for_function("() => document.querySelector('#current-photo img').naturalWidth > 0", timeout=10_000)
    assert page.evaluate("document.querySelector('#current-photo img').naturalWidth") == 480


def test_standalone_self_check_on_the_student_page(
    browser,
    live_server,
    retake,
    photos,  # noqa: F811
    tmp_path,
):
    from playwright.sync_api import expect

    _, user = retake
    text_file = tmp_path / "not-a-photo.jpg"
    text_file.write_bytes(photos["text_as_jpg"])
    page = logged_in_page(browser, live_server, user)
    page.goto(live_server.url + reverse("retakes:index"))
    page.set_input_files("#self-check-photo", str(text_file))
    expect(page.locator("[data-findings] li[data-code=not_an_image]")).to_contain_text("不是可以识别的图片文件")


def test_an_oversized_photo_is_stopped_on_its_own_request_page(
    browser,
    live_server,
    retake,
    tmp_path,
    settings,
):
    from playwright.sync_api import expect

    request, user = retake
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"\0" * (settings.PHOTO_CHECK["upload_max_bytes"] + 1))
    page = logged_in_page(browser, live_server, user)
    detail = live_server.url + reverse("retakes:detail", args=[request.pk])
    page.goto(detail)
    page.set_input_files("#id_photo", str(big))
    expect(page.locator("[data-findings]")).to_contain_text("文件太大：上传上限为 8 MB")
    expect(page.locator("[data-submit]")).to_be_disabled()  # it could only fail: not offered
    page.evaluate("window.__sameDocument = true")
    page.locator("form[data-self-check]").evaluate("form => form.requestSubmit()")  # Enter in a field
    expect(page.locator("[data-findings]")).to_contain_text("文件太大")
    assert page.url == detail and page.evaluate("window.__sameDocument") is True
    assert not RetakePhoto.objects.exists()
