"""The staff page: upload, preview (the check job's page), confirm exactly the previewed file.

A small roster's jobs run within the request (jobs.imports): no worker is involved here.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, Role
from intake import staging
from jobs.models import Job
from sessions_app.models import Student
from tests.factories import make_user
from tests.roster_world import build_world, id_for, student_row, write_xlsx

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.staff)
    return client


def roster_upload(tmp_path, rows, name="名单.xlsx"):
    path = write_xlsx(tmp_path / "upload.xlsx", rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX)


def post(client, world, upload):
    return client.post(reverse("roster:upload"), {"campaign": world.campaign.pk, "file": upload}, follow=True)


def confirm_url(response) -> str:
    return reverse("roster:confirm_job", args=[response.context["job"].pk])


def pending_files(settings):
    directory = settings.MEDIA_ROOT / "intake" / "roster"
    return sorted(directory.iterdir()) if directory.exists() else []


def test_upload_page_shows_the_form(staff_client, world):
    response = staff_client.get(reverse("roster:upload"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "导入学生名单" in page and world.campaign.name in page and 'type="file"' in page


def test_preview_then_confirm_imports_the_previewed_file(staff_client, world, tmp_path, settings):
    response = post(staff_client, world, roster_upload(tmp_path, [student_row(1), student_row(2)]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "检查学生名单（导入前预览）" in page
    assert "新增：<strong>2</strong>" in page
    assert "确认导入（新增 2 人，更新 0 人，未变 0 人）" in page
    # The whole ID number never reaches the page; the preview masks it.
    assert id_for(1) not in page and id_for(1)[:6] + "********" + id_for(1)[-4:] in page
    assert Student.objects.count() == 0
    [stored] = pending_files(settings)

    confirm = confirm_url(response)
    response = staff_client.post(confirm, follow=True)
    page = response.content.decode()
    assert "导入学生名单" in page and "已完成" in page and "新增：<strong>2</strong>" in page
    assert "已导入“名单.xlsx”到" in page and "新增 2 人，更新 0 人，未变 0 人" in page
    assert Student.objects.count() == 2
    assert not stored.exists()
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor == world.staff

    # Confirming twice (double click, back button) imports nothing more.
    response = staff_client.post(confirm, follow=True)
    assert "这次预览已失效" in response.content.decode()
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    assert Job.objects.filter(kind="roster.import").count() == 1


def test_preview_of_a_bad_file_lists_every_error_and_offers_no_confirm(staff_client, world, tmp_path, settings):
    rows = [student_row(1), student_row(2, 身份证号="110105194912310021"), student_row(3, 学院="机电工程学员")]
    response = post(staff_client, world, roster_upload(tmp_path, rows))
    page = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何数据" in page and "2 处错误" in page
    assert "第 3 行，身份证号 列：身份证号校验位错误：最后一位应为 X，这里是 1" in page
    assert "是不是“机电工程学院”？" in page
    assert "确认导入" not in page
    assert pending_files(settings) == []
    assert Student.objects.count() == 0


def test_preview_shows_updates_with_before_and_after(staff_client, world, tmp_path):
    staff_client.post(confirm_url(post(staff_client, world, roster_upload(tmp_path, [student_row(1)]))))
    assert Student.objects.count() == 1
    response = post(staff_client, world, roster_upload(tmp_path, [student_row(1, 班级="机械1799"), student_row(2)]))
    page = response.content.decode()
    assert "更新：<strong>1</strong>" in page and "新增：<strong>1</strong>" in page
    assert "班级：机械1701 → 机械1799" in page


def test_cancel_discards_the_stored_file(staff_client, world, tmp_path, settings):
    response = post(staff_client, world, roster_upload(tmp_path, [student_row(1)]))
    cancel = reverse("jobs:cancel_import", args=[response.context["job"].pk])
    assert cancel in response.content.decode() and "取消" in response.content.decode()
    response = staff_client.post(cancel, follow=True)
    assert "已取消，未导入任何数据" in response.content.decode()
    assert pending_files(settings) == []
    job = Job.objects.get()
    response = staff_client.post(reverse("roster:confirm_job", args=[job.pk]), follow=True)
    assert "这次预览已失效" in response.content.decode()
    assert Student.objects.count() == 0


def test_another_users_preview_cannot_be_confirmed(client, staff_client, world, tmp_path):
    confirm = confirm_url(post(staff_client, world, roster_upload(tmp_path, [student_row(1)])))
    other = make_user(Role.STAFF)
    client.force_login(other)
    assert client.post(confirm).status_code == 404
    job_id = confirm.rstrip("/").split("/")[-1]
    assert client.post(reverse("jobs:cancel_import", args=[job_id])).status_code == 404
    assert Student.objects.count() == 0


@pytest.mark.parametrize("job_id", ["0", "999999", "99999999999999999999"])
def test_made_up_previews_are_refused_politely(staff_client, job_id):
    response = staff_client.post(f"/roster/import/confirm/{job_id}/", follow=True)
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_only_staff_may_import(client, world, tmp_path, role):
    client.force_login(make_user(role))
    assert client.get(reverse("roster:upload")).status_code == 403
    assert post(client, world, roster_upload(tmp_path, [student_row(1)])).status_code == 403
    assert client.post(reverse("roster:confirm_job", args=[1])).status_code == 403
    assert Student.objects.count() == 0 and Job.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("roster:upload"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def _zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("学号,姓名\n2017000001,王伟\n".encode(), "表头缺少：身份证号、学院"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "文件内容已损坏"),
        (b"PK\x03\x04 truncated", "文件已损坏"),
        (_zip({"hello.txt": "hi"}), "不是 Excel 工作簿"),
        (_zip({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<not really"}), "文件内容已损坏"),
        (b"\x00\x01\x02binary", "文件内容不是表格"),
    ],
)
def test_files_that_are_not_xlsx_get_a_clear_message(staff_client, world, content, message, settings):
    upload = SimpleUploadedFile("名单.xlsx", content, content_type=XLSX)
    response = post(staff_client, world, upload)
    assert response.status_code in (200, 400)
    assert Student.objects.count() == 0
    assert message in response.content.decode()
    assert pending_files(settings) == []


def test_empty_and_missing_file(staff_client, world):
    response = post(staff_client, world, SimpleUploadedFile("名单.xlsx", b"", content_type=XLSX))
    assert "文件是空的" in response.content.decode()
    response = staff_client.post(reverse("roster:upload"), {"campaign": world.campaign.pk})
    assert "请选择要上传的文件" in response.content.decode()


def test_oversized_upload_is_refused(staff_client, world, tmp_path, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 2048
    upload = roster_upload(tmp_path, [student_row(n) for n in range(50)])
    response = post(staff_client, world, upload)
    assert response.status_code == 400
    assert f"文件有 {round(upload.size / 1024)} KB，超过了 2 KB 的上限" in response.content.decode()
    assert Student.objects.count() == 0 and pending_files(settings) == []


def test_oversized_body_is_refused_before_it_is_read(staff_client, world, tmp_path, settings, monkeypatch):
    from sessions_app import views_roster

    monkeypatch.setattr(views_roster, "_BODY_MARGIN", 0)
    settings.ROSTER_UPLOAD_MAX_BYTES = 2048
    response = post(staff_client, world, roster_upload(tmp_path, [student_row(n) for n in range(50)]))
    assert response.status_code == 400
    assert "文件超过了 2 KB 的上限" in response.content.decode()
    assert pending_files(settings) == []


def test_unknown_campaign_in_the_form(staff_client, world, tmp_path):
    upload = roster_upload(tmp_path, [student_row(1)])
    response = staff_client.post(reverse("roster:upload"), {"campaign": "999999", "file": upload})
    assert response.status_code == 400
    assert "请选择一个采集批次" in response.content.decode()


def test_abandoned_previews_are_swept(settings, tmp_path):
    upload = SimpleUploadedFile("a.xlsx", b"PK..", content_type=XLSX)
    token = staging.store("roster", upload=upload)
    assert staging.path_for("roster", token) is not None
    staging.sweep("roster", now=__import__("time").time() + staging.MAX_AGE_SECONDS + 1)
    assert staging.path_for("roster", token) is None


def test_an_expired_preview_cannot_be_confirmed(staff_client, world, tmp_path, settings):
    response = post(staff_client, world, roster_upload(tmp_path, [student_row(1)]))
    [stored] = pending_files(settings)
    old = __import__("time").time() - staging.MAX_AGE_SECONDS - 1
    __import__("os").utime(stored, (old, old))
    assert confirm_url(response) not in staff_client.get(response.request["PATH_INFO"]).content.decode()
    response = staff_client.post(confirm_url(response), follow=True)
    assert "这次预览已失效" in response.content.decode()
    assert Student.objects.count() == 0


def test_every_preview_stays_confirmable_on_its_own_page(staff_client, world, tmp_path, settings):
    """Previews opened in other tabs: each is its own job, and confirming one imports that file."""
    first = confirm_url(post(staff_client, world, roster_upload(tmp_path, [student_row(1)])))
    second = confirm_url(post(staff_client, world, roster_upload(tmp_path, [student_row(1), student_row(2)])))
    assert first != second and len(pending_files(settings)) == 2
    staff_client.post(second)
    assert Student.objects.count() == 2
    assert "roster_pending" not in staff_client.session  # the session keeps no preview
