"""采集码 bound before the day: decoding real QR images, the keyed hash, clashes, replacement."""

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from accounts.models import AuditEvent, Role
from sessions_app.collection_codes import (
    CollectionCodeError,
    bind_collection_code,
    code_hash,
    decode_image,
    normalize_code,
)
from sessions_app.models import Campaign, CollectionCodeClash, Student
from tests.factories import make_user
from tests.qr_images import OTHER_PAYLOAD, PAYLOAD, blurred_screenshot, photo_jpeg, saved_png

pytestmark = pytest.mark.django_db
BIND = reverse("sessions_app:bind_code")


def upload(client, data: bytes, *, name="code.png", source="upload"):
    return client.post(BIND, {"image": SimpleUploadedFile(name, data), "source": source})


@pytest.fixture
def student_client(client, world):  # noqa: F811
    client.force_login(world.student_user)
    return client


def test_normalising_drops_what_scanners_add_and_keeps_case():
    assert normalize_code(" abC\r\n12\t") == "abC12"
    assert normalize_code("ＡＢｃ") == "ABc"  # a full-width input method, folded; case kept
    assert code_hash("abC12\n") == code_hash("abC12") != code_hash("ABC12")
    assert code_hash(" \n") is None


def test_a_saved_png_binds_and_only_a_keyed_hash_is_stored(student_client, world, settings):  # noqa: F811
    response = upload(student_client, saved_png())
    assert response.status_code == 302 and response["Location"] == reverse("home")
    student = Student.objects.get(pk=world.econ_student.pk)
    assert student.collection_code_hash == code_hash(PAYLOAD) and len(student.collection_code_hash) == 64
    assert PAYLOAD not in str(list(Student.objects.values_list()))
    event = AuditEvent.objects.get(action="collection_code.bind")
    assert event.data == {"student_id": student.pk, "source": "upload"} and PAYLOAD not in str(event.data)
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]  # no image kept
    home = student_client.get(reverse("home")).content.decode()
    assert 'data-testid="code-panel"' in home and "已绑定" in home and "采集码已绑定" in home


def test_a_phone_photo_with_the_code_small_in_a_big_canvas_decodes(student_client, world):  # noqa: F811
    assert decode_image(photo_jpeg()) == PAYLOAD
    response = upload(student_client, photo_jpeg(), name="IMG_0001.jpg", source="camera")
    assert response.status_code == 302
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash == code_hash(PAYLOAD)
    assert AuditEvent.objects.get(action="collection_code.bind").data["source"] == "camera"


def test_a_blurred_screenshot_is_refused_with_what_to_do_and_nothing_is_stored(student_client, world):  # noqa: F811
    response = upload(student_client, blurred_screenshot())
    page = response.content.decode()
    assert response.status_code == 400
    assert "未能识别二维码" in page and "长按保存原图" in page and "不要截图" in page
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash is None
    assert not AuditEvent.objects.filter(action__startswith="collection_code").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "没有收到图片"),
        (b"%PDF-1.4 not an image", "无法读取这张图片"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "无法读取这张图片"),  # a truncated PNG
    ],
)
def test_what_is_not_an_image_is_refused_without_a_500(student_client, world, data, words):  # noqa: F811
    response = upload(student_client, data)
    assert response.status_code == 400 and words in response.content.decode()


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000), 1).save(buffer, format="PNG")  # 48 Mpx in a few kB
    with pytest.raises(CollectionCodeError) as refused:
        decode_image(buffer.getvalue())
    assert refused.value.code == "too_many_pixels"


def test_an_upload_over_the_limit_is_refused_before_it_is_read(student_client, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("sessions_app.views_codes.UPLOAD_MAX_BYTES", 1000)
    response = upload(student_client, saved_png() + b"\x00" * 70_000)
    assert response.status_code == 413 and "图片太大" in response.content.decode()
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash is None


def test_a_code_bound_to_another_student_is_refused_and_staff_see_the_clash(client, world):  # noqa: F811
    other = make_user(Role.STUDENT)
    Student.objects.filter(pk=world.econ_student2.pk).update(user=other)
    client.force_login(other)
    assert upload(client, saved_png()).status_code == 302
    client.force_login(world.student_user)
    response = upload(client, photo_jpeg(), name="same.jpg")
    assert response.status_code == 400
    assert "该采集码已被其他学生绑定" in response.content.decode()
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash is None
    clash = CollectionCodeClash.objects.get()
    assert (clash.student_id, clash.holder_id) == (world.econ_student.pk, world.econ_student2.pk)
    assert AuditEvent.objects.filter(action="collection_code.clash").count() == 1
    client.force_login(world.staff)
    page = client.get(reverse("capture_day:unbound_codes"), {"campaign": world.campaign.code}).content.decode()
    clashes = page.split('data-testid="code-clashes"')[1]
    assert "张三" in clashes and "李四" in clashes


def test_a_student_replaces_their_code_and_the_change_is_audited(student_client, world):  # noqa: F811
    upload(student_client, saved_png())
    response = upload(student_client, saved_png(OTHER_PAYLOAD))
    assert response.status_code == 302
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash == code_hash(OTHER_PAYLOAD)
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "collection_code.bind",
        "collection_code.replace",
    ]
    # The same code again changes nothing and says so.
    upload(student_client, saved_png(OTHER_PAYLOAD))
    assert AuditEvent.objects.filter(action__startswith="collection_code").count() == 2
    assert "这就是你已绑定的采集码" in student_client.get(reverse("home")).content.decode()


def test_a_student_cannot_bind_for_another_student(world):  # noqa: F811
    with pytest.raises(CollectionCodeError) as refused:
        bind_collection_code(student=world.econ_student2, payload=PAYLOAD, actor=world.student_user)
    assert refused.value.code == "not_own_record"
    with pytest.raises(CollectionCodeError) as refused:
        bind_collection_code(student=world.econ_student, payload=PAYLOAD, actor=world.staff)
    assert refused.value.code == "not_own_record"
    assert not Student.objects.filter(collection_code_hash__isnull=False).exclude(pk=world.x_student.pk).exists()


def test_a_campaign_without_the_code_asks_for_no_binding(student_client, world):  # noqa: F811
    Campaign.objects.filter(pk=world.campaign.pk).update(identification_methods=["id_card", "student_no"])
    home = student_client.get(reverse("home")).content.decode()
    assert 'data-testid="code-panel"' not in home
    assert upload(student_client, saved_png()).status_code == 302
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash is None
    world.econ_student.campaign.refresh_from_db()
    with pytest.raises(CollectionCodeError) as refused:
        bind_collection_code(student=world.econ_student, payload=PAYLOAD, actor=world.student_user)
    assert refused.value.code == "not_enabled"


def test_the_page_works_for_a_student_and_no_one_else(client, world):  # noqa: F811
    client.force_login(world.student_user)
    page = client.get(BIND).content.decode()
    assert 'capture="environment"' in page and "不要截图" in page
    client.force_login(world.operator)
    assert client.get(BIND).status_code == 403


def test_a_payload_read_by_the_browser_camera_binds_like_an_image(student_client, world):  # noqa: F811
    page = student_client.get(BIND)
    assert "camera=(self)" in page["Permissions-Policy"]  # this page only may open the camera
    assert "camera=()" in student_client.get(reverse("home"))["Permissions-Policy"]
    # A payload without source=scan is not taken: the upload forms send an image.
    assert student_client.post(BIND, {"payload": PAYLOAD, "source": "upload"}).status_code == 400
    response = student_client.post(BIND, {"payload": PAYLOAD + "\n", "source": "scan"})
    assert response.status_code == 302
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash == code_hash(PAYLOAD)
    assert AuditEvent.objects.get(action="collection_code.bind").data["source"] == "scan"
    too_long = student_client.post(BIND, {"payload": "x" * 5000, "source": "scan"})
    assert too_long.status_code == 400 and "未能识别二维码" in too_long.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_students_binding_one_code_at_once_leave_one_holder_and_a_clash(world):  # noqa: F811
    other = make_user(Role.STUDENT)
    Student.objects.filter(pk=world.econ_student2.pk).update(user=other)
    pairs = [(Student.objects.get(pk=world.econ_student.pk), world.student_user)]
    pairs.append((Student.objects.get(pk=world.econ_student2.pk), other))
    barrier = threading.Barrier(2)
    codes, errors = [], []

    def bind(student, actor):
        try:
            barrier.wait(timeout=10)
            bind_collection_code(student=student, payload=PAYLOAD, actor=actor)
            codes.append("bound")
        except CollectionCodeError as refused:
            codes.append(refused.code)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bind, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(codes) == ["bound", "taken"]
    assert Student.objects.filter(collection_code_hash=code_hash(PAYLOAD)).count() == 1
    assert CollectionCodeClash.objects.count() == 1
