"""The roster import's one flow (jobs.imports): a small file within the request, a large one queued,
one import per confirm, every bad row listed."""

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.models import AuditEvent
from jobs.models import Job, JobStatus
from sessions_app.models import Student
from tests.import_flow import confirm, staged, upload
from tests.roster_world import build_world, student_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, client):
    world = build_world()
    client.force_login(world.staff)
    return world


def _send(client, world, tmp_path, rows):
    data = write_xlsx(tmp_path / "roster.xlsx", rows).read_bytes()
    return upload(client, reverse("roster:upload"), data, name="名单.xlsx", fields={"campaign": world.campaign.pk})


def test_a_small_roster_goes_through_upload_preview_confirm_within_the_request(client, world, tmp_path):
    check, queued = _send(client, world, tmp_path, [student_row(1), student_row(2)])
    assert queued == 0  # no worker: the check ran in the request
    assert check.kind == "roster.check" and check.status == JobStatus.DONE and check.params["inline"] is True
    assert Student.objects.count() == 0
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    url = reverse("roster:confirm_job", args=[check.pk])
    assert url in page and "确认导入（新增 2 人，更新 0 人，未变 0 人）" in page

    imported, queued = confirm(client, url)
    assert queued == 0 and imported.kind == "roster.import" and imported.status == JobStatus.DONE
    assert Student.objects.filter(campaign=world.campaign).count() == 2
    page = client.get(reverse("jobs:detail", args=[imported.pk])).content.decode()
    assert "导入学生名单" in page and "新增：<strong>2</strong>" in page
    assert staged("roster") == []


def test_a_large_roster_is_queued_for_a_worker(client, world, tmp_path, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    check, queued = _send(client, world, tmp_path, [student_row(n) for n in range(1, 5)])
    assert queued == 1 and check.status == JobStatus.QUEUED and check.params["inline"] is False
    assert len(staged("roster")) == 1 and Student.objects.count() == 0
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "排队中" in page and 'id="job-progress"' in page


def test_a_confirm_posted_twice_imports_once(client, world, tmp_path):
    check, _ = _send(client, world, tmp_path, [student_row(1)])
    url = reverse("roster:confirm_job", args=[check.pk])
    first, _ = confirm(client, url)
    response = client.post(url, follow=True)
    assert "这次预览已失效" in response.content.decode()
    assert Job.objects.filter(kind="roster.import").count() == 1 and first.status == JobStatus.DONE
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    assert Student.objects.count() == 1


def test_a_refused_roster_lists_every_bad_row(client, world, tmp_path):
    rows = [
        student_row(1, 身份证号="110105194912310021"),
        student_row(2),
        student_row(3, 学院="天文学院"),
        student_row(4, 性别="未知"),
    ]
    check, queued = _send(client, world, tmp_path, rows)
    assert queued == 0 and check.status == JobStatus.FAILED and check.error_code == "rejected"
    assert [e["row"] for e in check.errors] == [2, 4, 5]
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "未导入任何数据" in page and "3 处错误" in page and "确认导入" not in page
    assert "第 2 行，身份证号 列：" in page and "第 4 行，学院 列：" in page and "第 5 行，性别 列：" in page
    assert "天文学院" in page
    assert Student.objects.count() == 0 and staged("roster") == []


def test_the_same_large_file_sent_twice_lands_on_the_same_check(client, world, tmp_path, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [student_row(n) for n in range(1, 5)]
    with TestCase.captureOnCommitCallbacks():
        first, _ = _send(client, world, tmp_path, rows)
        second, queued = _send(client, world, tmp_path, rows)
    assert first.pk == second.pk and queued == 0 and len(staged("roster")) == 1


def test_the_preview_page_costs_the_same_queries_for_2_rows_and_for_40(client, world, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(rows) -> int:
        check, _ = _send(client, world, tmp_path, rows)
        assert check.status == JobStatus.DONE and check.counts["created"] == len(rows)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
        assert "确认导入" in page
        return len(captured)

    assert queries([student_row(n) for n in range(1, 3)]) == queries([student_row(n) for n in range(1, 41)])
