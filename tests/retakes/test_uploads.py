"""Uploading a retake photo, serving it back, and the self-check: what reaches disk and who sees it."""

import pytest
from django.test import Client
from django.test.client import FakePayload
from django.urls import reverse

from accounts.models import Role
from retakes import services
from retakes.models import Channel, CheckStatus, RetakePhoto, Status
from tests.factories import make_user

from .view_support import logged_in, new_request, stored_files, text, upload

pytestmark = pytest.mark.django_db


# --- uploads --------------------------------------------------------------------------


def test_upload_stores_under_a_random_name_and_shows_the_check(
    student, student_user, photos, settings, django_capture_on_commit_callbacks
):
    request = new_request(student, student_user)
    client = logged_in(student_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("retakes:upload", args=[request.pk]),
            {"photo": upload(photos["pass"], name="../../张三 证件照.jpg"), "note": ""},
        )
    assert response.status_code == 302
    (stored,) = stored_files(settings)
    assert "张三" not in stored.name and ".." not in stored.name and len(stored.stem) == 32
    page = client.get(response["Location"])
    body = text(page)
    assert "自动检查通过" in body and "检查通过" in body
    photo = RetakePhoto.objects.get()
    assert reverse("retakes:photo", args=[photo.pk]) in body


@pytest.mark.django_db(transaction=True)
def test_a_failing_photo_can_be_submitted_with_a_note_and_staff_accept_with_reason(
    student, student_user, staff, photos
):
    # Real commits here: the eager check job runs when the upload commits, before the redirect.
    request = new_request(student, student_user)
    response = logged_in(student_user).post(
        reverse("retakes:upload", args=[request.pk]),
        {"photo": upload(photos["head_too_high"]), "note": "只有这一张，补拍点已关闭"},
        follow=True,
    )
    body = text(response)
    assert "没有通过自动检查" in body and "头顶离上边缘太近" in body and "只有这一张，补拍点已关闭" in body

    staff_client = logged_in(staff)
    review_url = reverse("retakes:review", args=[request.pk])
    refused = staff_client.post(review_url, {"decision": "accept", "reason": ""}, follow=True)
    assert "如仍要通过，请填写理由" in text(refused)
    request.refresh_from_db()
    assert request.status == Status.CHECKED
    staff_client.post(review_url, {"decision": "accept", "reason": "头顶仅差几像素，新华社可用"})
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert request.current_photo.review_reason == "头顶仅差几像素，新华社可用"


@pytest.mark.parametrize("note", ["", "   "])
def test_a_failing_photo_without_the_note_is_not_submitted_and_the_page_says_why(
    student, student_user, photos, settings, note
):
    request = new_request(student, student_user)
    response = logged_in(student_user).post(
        reverse("retakes:upload", args=[request.pk]),
        {"photo": upload(photos["head_too_high"]), "note": note},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("retakes:detail", args=[request.pk])
    body = text(response)
    assert "照片没有提交：它没有通过自动检查（" in body and "头顶离上边缘太近" in body
    assert "请在“说明”中写明原因" in body
    request.refresh_from_db()
    assert request.status == Status.REQUESTED and request.current_photo is None
    assert stored_files(settings) == [] and not RetakePhoto.objects.exists()


def test_a_passing_photo_needs_no_note(student, student_user, photos, django_capture_on_commit_callbacks):
    request = new_request(student, student_user)
    client = logged_in(student_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("retakes:upload", args=[request.pk]), {"photo": upload(photos["pass"]), "note": ""}
        )
    assert "检查通过" in text(client.get(response["Location"]))
    assert RetakePhoto.objects.get().check_status == CheckStatus.PASSED


def test_the_upload_form_asks_for_the_note_when_the_check_fails(student, student_user):
    request = new_request(student, student_user)
    page = text(logged_in(student_user).get(reverse("retakes:detail", args=[request.pk])))
    assert "说明（照片未通过自动检查仍要提交时请填写）" in page
    assert "在下面写明原因后仍然提交" in page  # the hint retakes.js shows under a failing check
    assert "data-note-row" in page and 'name="note"' in page


def test_counselor_cannot_review_but_records_the_paper_photo(
    student, counselor, staff, photos, django_capture_on_commit_callbacks
):
    request = new_request(student, counselor, channel=Channel.ONLINE)
    client = logged_in(counselor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("retakes:upload", args=[request.pk]), {"photo": upload(photos["pass"])})
    assert client.post(reverse("retakes:review", args=[request.pk]), {"decision": "accept"}).status_code == 403
    logged_in(staff).post(reverse("retakes:review", args=[request.pk]), {"decision": "accept"})
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    body = text(client.post(reverse("retakes:paper", args=[request.pk]), follow=True))
    assert "已登记收到纸质照片" in body
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert logged_in(request.student.user).post(reverse("retakes:paper", args=[request.pk])).status_code == 403


@pytest.mark.parametrize("name", ["empty", "text_as_jpg", "truncated", "bomb", "animated_gif"])
def test_bad_files_are_refused_with_a_message_and_nothing_is_stored(student, student_user, photos, settings, name):
    request = new_request(student, student_user)
    response = logged_in(student_user).post(
        reverse("retakes:upload", args=[request.pk]), {"photo": upload(photos[name])}, follow=True
    )
    assert response.status_code == 200
    assert "照片没有保存" in text(response)
    assert stored_files(settings) == [] and not RetakePhoto.objects.exists()


class CountingPayload(FakePayload):
    """A request body that remembers how much of it the server read."""

    def __init__(self, content):
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1, /):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_an_oversized_upload_is_refused_before_the_body_is_read(student, student_user, settings):
    request = new_request(student, student_user)
    client = logged_in(student_user)
    limit = settings.PHOTO_CHECK["upload_max_bytes"]
    payload = CountingPayload(b"x" * 1024)
    response = client.generic(
        "POST",
        reverse("retakes:upload", args=[request.pk]),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": payload, "CONTENT_LENGTH": str(limit * 2)},
    )
    # Back to its own request page (303 after a POST), which says why; nothing of the body was read.
    assert response.status_code == 302
    assert response["Location"] == reverse("retakes:detail", args=[request.pk])
    assert payload.bytes_read == 0
    assert stored_files(settings) == []
    page = text(client.get(response["Location"]))
    assert "照片没有保存：文件太大：上传上限为 8 MB" in page and "请压缩后重新上传" in page
    assert "提交电子照片" in page  # the upload form is right there to try again


def test_an_upload_that_passes_the_limit_while_streaming_is_cut_off(student, student_user, settings, photos):
    settings.PHOTO_CHECK = {**settings.PHOTO_CHECK, "upload_max_bytes": 60 * 1024}
    request = new_request(student, student_user)
    # Under limit + form overhead by Content-Length, over the limit as a file: the handler stops it.
    data = photos["pass"] + b"\0" * (100 * 1024 - len(photos["pass"]))
    response = logged_in(student_user).post(
        reverse("retakes:upload", args=[request.pk]), {"photo": upload(data)}, follow=True
    )
    assert response.redirect_chain == [(reverse("retakes:detail", args=[request.pk]), 302)]
    assert "文件太大" in text(response)
    assert stored_files(settings) == [] and not RetakePhoto.objects.exists()


def test_upload_without_a_file_or_with_get_is_handled(student, student_user):
    request = new_request(student, student_user)
    client = logged_in(student_user)
    assert client.get(reverse("retakes:upload", args=[request.pk])).status_code == 405
    response = client.post(reverse("retakes:upload", args=[request.pk]), {"note": "x"}, follow=True)
    assert "请选择要上传的照片文件" in text(response)


def test_upload_checks_csrf_itself(student, student_user, photos):
    request = new_request(student, student_user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(student_user)
    response = client.post(reverse("retakes:upload", args=[request.pk]), {"photo": upload(photos["pass"])})
    assert response.status_code == 403
    assert not RetakePhoto.objects.exists()
    response = client.post(reverse("retakes:self_check"), {"photo": upload(photos["pass"])})
    assert response.status_code == 403


# --- serving photos -------------------------------------------------------------------


def test_photos_are_served_only_to_the_student_their_counselor_and_staff(
    student, student_user, counselor, other_counselor, other_student, staff, photos, django_capture_on_commit_callbacks
):
    request = new_request(student, student_user)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    url = reverse("retakes:photo", args=[photo.pk])
    for user in (student_user, counselor, staff):
        response = logged_in(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == photos["pass"]
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
    for user in (other_counselor, other_student.user):
        assert logged_in(user).get(url).status_code == 404
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(student.college)
    assert logged_in(coordinator).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert logged_in(staff).get(reverse("retakes:photo", args=[photo.pk + 1000])).status_code == 404


# --- self-check -----------------------------------------------------------------------


def test_self_check_returns_findings_and_stores_nothing(student_user, student, photos, settings):
    client = logged_in(student_user)
    good = client.post(reverse("retakes:self_check"), {"photo": upload(photos["pass"])}).json()
    assert good == {"ok": True, "findings": [], "summary": "照片符合要求"}
    bad = client.post(reverse("retakes:self_check"), {"photo": upload(photos["face_too_small"])}).json()
    assert bad["ok"] is False
    (finding,) = bad["findings"]
    assert finding["code"] == "face_width" and finding["message"].startswith("脸部太窄：两颊之间")
    assert set(finding) == {
        "code", "kind", "measured", "allowed", "obtained", "data", "message", "measured_label", "allowed_label"
    }  # fmt: skip
    assert finding["allowed"] == [180, 300] and finding["allowed_label"] == "180–300 px"
    assert finding["obtained"] == "measured"
    assert stored_files(settings) == [] and not RetakePhoto.objects.exists()


def test_self_check_judges_the_backdrop_by_the_students_campaign(student_user, student, photos):
    client = logged_in(student_user)
    body = client.post(reverse("retakes:self_check"), {"photo": upload(photos["white_background"])}).json()
    assert [f["code"] for f in body["findings"]] == ["background_color"]
    assert body["findings"][0]["message"].startswith("背景是白色，应为蓝色")
    student.campaign.photo_backgrounds = ["blue", "white"]
    student.campaign.save(update_fields=["photo_backgrounds"])
    body = client.post(reverse("retakes:self_check"), {"photo": upload(photos["white_background"])}).json()
    assert body["ok"] is True


@pytest.mark.parametrize(
    "name", ["empty", "text_as_jpg", "truncated", "bomb", "bomb_small", "animated_gif", "cmyk", "png_transparent"]
)
def test_self_check_never_fails_on_bad_files(student_user, photos, name):
    response = logged_in(student_user).post(reverse("retakes:self_check"), {"photo": upload(photos[name])})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["findings"][0]["message"]


def test_self_check_without_a_file_or_too_large(student_user, settings):
    client = logged_in(student_user)
    response = client.post(reverse("retakes:self_check"), {})
    assert response.status_code == 400 and response.json()["error"] == "请选择要检查的照片文件"
    response = client.generic(
        "POST",
        reverse("retakes:self_check"),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": FakePayload(b""), "CONTENT_LENGTH": str(50 * 1024 * 1024)},
    )
    assert response.status_code == 413 and "文件太大" in response.json()["error"]
    response = client.generic(
        "POST",
        reverse("retakes:self_check"),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": FakePayload(b""), "CONTENT_LENGTH": "abc"},
    )
    assert response.status_code == 413


def test_self_check_is_refused_to_roles_without_retakes(photos):
    client = logged_in(make_user(Role.OPERATOR))
    assert client.post(reverse("retakes:self_check"), {"photo": upload(photos["pass"])}).status_code == 403
