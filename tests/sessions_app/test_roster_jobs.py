"""A large roster import from the page runs as background jobs: check with progress, confirm, import.

The 20,000-row file is built once for the module (openpyxl write_only, about 2 s); the jobs are
run by hand from the captured on-commit callbacks so the test can look at the page mid-way,
as a worker would leave it.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

import jobs.services
from accounts.models import Role
from jobs.models import Job, JobStatus
from sessions_app.idcard import make_id_number
from sessions_app.models import Student
from tests.factories import make_user
from tests.roster_world import build_world

pytestmark = pytest.mark.django_db
ROWS = 20_000
HEADER = ["学号", "姓名", "身份证号", "学院", "专业", "班级"]


def _id(n: int) -> str:
    return make_id_number(
        area="210202", birth=datetime.date(1998, 1, 1) + datetime.timedelta(days=n // 1000), sequence=n % 1000
    )


def _rows(count: int):
    for n in range(count):
        college = "机电工程学院" if n % 2 else "计算机科学与工程学院"
        yield [f"2017{n:06d}", f"学生{n}", _id(n), college, "机械工程", f"机械{17 + n % 4}{n % 9 + 1:02d}"]


def _write(path: Path, rows) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def big_roster(tmp_path_factory) -> bytes:
    return _write(tmp_path_factory.mktemp("roster") / "big.xlsx", _rows(ROWS)).read_bytes()


@pytest.fixture
def world(db):
    return build_world()


def _upload(client, world, data: bytes, name="全校名单.xlsx"):
    upload = SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return client.post(reverse("roster:upload"), {"campaign": world.campaign.pk, "file": upload})


def _job_id(response) -> int:
    assert response.status_code == 302, response
    match = re.fullmatch(r"/jobs/(\d+)/", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def _staged(settings) -> list[Path]:
    directory = Path(settings.MEDIA_ROOT) / "intake" / "roster"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def test_a_20000_row_roster_is_checked_and_imported_as_jobs_with_progress(
    client, world, big_roster, settings, monkeypatch
):
    client.force_login(world.staff)
    # A busy worker: the job is queued and its message waits in the captured on-commit callbacks.
    with TestCase.captureOnCommitCallbacks() as queued:
        job_id = _job_id(_upload(client, world, big_roster))
    job = Job.objects.get(pk=job_id)
    assert job.kind == "roster.check" and job.status == JobStatus.QUEUED
    assert len(_staged(settings)) == 1  # the file waits on disk for the worker, not in the request
    page = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert "排队中" in page and 'id="job-progress"' in page

    # The same file sent again by the same person lands on the same job, and no second copy is kept.
    with TestCase.captureOnCommitCallbacks() as again:
        assert _job_id(_upload(client, world, big_roster, name="再传一次.xlsx")) == job_id
    assert not again and Job.objects.count() == 1 and len(_staged(settings)) == 1

    # Run the check, looking at the page (a reload) and the status endpoint while it runs.
    monkeypatch.setattr(jobs.services, "PROGRESS_INTERVAL_S", 0)
    seen = {}
    status_url = reverse("jobs:status", args=[job_id])
    original = jobs.services._Progress.__call__

    def watched(self, done, total=None):
        original(self, done, total)
        if done in (2000, 10000) and done not in seen:
            with CaptureQueriesContext(connection) as queries:
                status = client.get(status_url).json()
            reload = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
            with TestCase.captureOnCommitCallbacks() as third:
                resubmitted = _job_id(_upload(client, world, big_roster))
            seen[done] = (status, len(queries), reload, resubmitted, len(third))

    monkeypatch.setattr(jobs.services._Progress, "__call__", watched)
    for callback in queued:
        callback()
    status, queries_early, _page, _again, _third = seen[2000]
    assert status["status"] == "running" and status["done"] == 2000 and status["total"] == ROWS
    status, queries_late, reload, resubmitted, third = seen[10000]
    assert status == {
        "status": "running",
        "status_label": "进行中",
        "active": True,
        "done": 10000,
        "total": ROWS,
        "percent": 50,
        "file_url": "",
    }
    assert queries_early == queries_late  # the polled endpoint's cost does not grow with the job
    assert 'value="50"' in reload and f'<span id="job-done">10000</span> / <span id="job-total">{ROWS}</span>' in reload
    assert resubmitted == job_id and third == 0 and Job.objects.count() == 1

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == ROWS
    assert Student.objects.count() == 0  # a check writes nothing
    page = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert "新增：<strong>20000</strong>" in page and "更新：<strong>0</strong>" in page
    confirm_url = reverse("roster:confirm_job", args=[job_id])
    assert confirm_url in page and "确认导入" in page
    # Another staff member sees the job (staff see every job) but cannot confirm someone else's import.
    other = Client()
    other.force_login(make_user(Role.STAFF))
    assert confirm_url not in other.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert other.post(confirm_url).status_code == 404

    # Confirm: the import is a job of its own; a second click lands on it.
    with TestCase.captureOnCommitCallbacks() as queued:
        import_id = _job_id(client.post(confirm_url))
    assert _job_id(client.post(confirm_url)) == import_id and Job.objects.filter(kind="roster.import").count() == 1
    for callback in queued:
        callback()
    imported = Job.objects.get(pk=import_id)
    assert imported.status == JobStatus.DONE and imported.counts["created"] == ROWS
    assert Student.objects.filter(campaign=world.campaign).count() == ROWS
    assert Student.objects.filter(campaign=world.campaign, college=world.mech).count() == ROWS // 2
    page = client.get(reverse("jobs:detail", args=[import_id])).content.decode()
    assert "导入学生名单" in page and "新增：<strong>20000</strong>" in page and "已完成" in page
    assert _staged(settings) == []  # removed once imported
    # The check's page no longer offers to import the same file again.
    page = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert confirm_url not in page
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"] == reverse("roster:upload")


def test_a_large_roster_with_bad_rows_is_refused_whole_with_every_row_listed(client, world, tmp_path, settings):
    rows = list(_rows(400))
    rows[10][2] = "110105194912310021"  # wrong check digit
    rows[200][3] = "天文学院"  # no such college
    client.force_login(world.staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job_id = _job_id(_upload(client, world, _write(tmp_path / "bad.xlsx", rows).read_bytes()))
    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED and job.error_code == "rejected"
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (12, "身份证号", "id_number_invalid"),
        (202, "学院", "name_unknown"),
    ]
    page = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert "未导入任何数据" in page and "2 处错误" in page and "第 12 行，身份证号 列：" in page
    assert "天文学院" in page and "确认导入" not in page
    workbook = load_workbook(_download(client, job_id))
    sheet = workbook.active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [12, 202]
    assert Student.objects.count() == 0 and _staged(settings) == []


def test_a_small_roster_is_checked_within_the_request_on_the_same_job_page(client, world, tmp_path):
    client.force_login(world.staff)
    with TestCase.captureOnCommitCallbacks() as queued:
        job_id = _job_id(_upload(client, world, _write(tmp_path / "small.xlsx", _rows(20)).read_bytes()))
    assert queued == []  # no worker: the check ran in the request
    job = Job.objects.get(pk=job_id)
    assert job.kind == "roster.check" and job.status == JobStatus.DONE and job.counts["created"] == 20
    page = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert reverse("roster:confirm_job", args=[job_id]) in page and "确认导入（新增 20 人" in page


def _download(client, job_id):
    import io

    response = client.get(reverse("jobs:file", args=[job_id]))
    assert response.status_code == 200
    return io.BytesIO(b"".join(response.streaming_content))
