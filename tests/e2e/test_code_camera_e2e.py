"""The live camera scan on the 采集码 page: Chromium's fake camera shows a QR code, the vendored
jsQR reads it in the browser, and the payload is bound (no picture leaves the phone)."""

import pytest
from PIL import Image

from accounts.models import AuditEvent, Role
from sessions_app.collection_codes import code_hash
from sessions_app.models import Student
from tests.browser import ARGS, launched, logged_in_page
from tests.factories import make_campaign, make_college, make_student, make_user
from tests.qr_images import PAYLOAD, qr_image

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def write_y4m(path, image: Image.Image, frames: int = 20) -> None:
    """A still picture as the YUV4MPEG2 video Chromium's fake camera plays in a loop."""
    width, height = image.size
    luma = image.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def camera_browser(tmp_path):
    frame = Image.new("RGB", (640, 480), "white")
    code = qr_image(PAYLOAD, scale=4)
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    video = tmp_path / "qr.y4m"
    write_y4m(video, frame)
    args = [
        *ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with launched(args) as chromium:
        yield chromium


def test_the_camera_scan_reads_the_code_in_the_browser_and_binds_it(camera_browser, live_server):
    from playwright.sync_api import expect

    campaign = make_campaign(identification_methods=["id_card", "student_no", "collection_code"])
    user = make_user(Role.STUDENT)
    student = make_student(campaign, make_college("经济管理学院"), name="张三", user=user)
    page = logged_in_page(camera_browser, live_server, user)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(live_server.url + "/capture/me/collection-code/")
    assert "camera=(self)" in response.headers["permissions-policy"]
    scan = page.get_by_test_id("code-scan")
    expect(scan).to_be_visible()
    scan.get_by_role("button").click()
    expect(page.get_by_test_id("code-panel")).to_contain_text("已绑定", timeout=15000)
    assert Student.objects.get(pk=student.pk).collection_code_hash == code_hash(PAYLOAD)
    assert AuditEvent.objects.get(action="collection_code.bind").data["source"] == "scan"
    assert errors == []
