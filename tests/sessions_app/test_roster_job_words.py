"""A background roster import keeps its row errors as (row, column, code, params) and puts them into
words when they are shown: the job page and its error workbook in the reader's language."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jobs.models import Job, JobStatus
from tests.roster_world import build_world, id_for, student_row, write_xlsx
from tests.text_support import json_strings

pytestmark = pytest.mark.django_db

# Punctuation every rendered sentence of ours has and no stored code, column title or cell value here has.
_SENTENCE = re.compile(r"[，：。；？]")


@pytest.fixture
def world(db, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    return build_world()


def _bad_roster(tmp_path, bad_rows: int = 2) -> bytes:
    wrong = id_for(1)
    wrong = wrong[:17] + ("0" if wrong[17] != "0" else "1")  # wrong check character
    rows = [student_row(0), student_row(1, 身份证号=wrong), student_row(2, 学院="天文学院")]
    rows += [student_row(10 + n, 学院="天文学院") for n in range(bad_rows - 2)]
    return write_xlsx(tmp_path / "bad.xlsx", rows).read_bytes()


def _upload(client, world, data: bytes) -> Job:
    upload = SimpleUploadedFile("名单.xlsx", data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("roster:upload"), {"campaign": world.campaign.pk, "file": upload})
    assert response.status_code == 302, response
    return Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def _download(client, job) -> tuple[str, Workbook]:
    response = client.get(reverse("jobs:file", args=[job.pk]))
    assert response.status_code == 200
    return response["Content-Disposition"], load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_stored_errors_are_codes_and_params_shown_in_the_readers_language(client, world, tmp_path):
    client.force_login(world.staff)
    job = _upload(client, world, _bad_roster(tmp_path))
    assert job.status == JobStatus.FAILED and job.error_code == "rejected"
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (3, "身份证号", "id_number_invalid"),
        (4, "学院", "name_unknown"),
    ]
    assert all("message" not in e for e in job.errors)
    assert job.errors[0]["params"]["reason"] == "id_check"
    assert job.errors[1]["params"] == {"field": "college", "value": "天文学院", "suggestion": ""}
    stored = json.dumps(job.errors, ensure_ascii=False)
    assert not [s for s in json_strings(job.errors) if _SENTENCE.search(s)], stored
    assert "校验位" not in stored and "不在系统中" not in stored

    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "第 3 行，身份证号 列：身份证号校验位错误：最后一位应为" in page
    assert "第 4 行，学院 列：学院“天文学院”不在系统中。请核对学院名称" in page

    client.cookies["django_language"] = "en"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Row 3, column 身份证号: Wrong check character in the ID number" in page
    assert "Row 4, column 学院: College “天文学院” is not in the system" in page
    assert "校验位" not in page and "不在系统中" not in page


def test_the_error_workbook_is_built_when_downloaded_in_the_readers_language(client, world, tmp_path):
    client.force_login(world.staff)
    job = _upload(client, world, _bad_roster(tmp_path))
    disposition, workbook = _download(client, job)
    assert "xlsx" in disposition
    rows = list(workbook.active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [3, 4]
    assert rows[0][1].startswith("身份证号：身份证号校验位错误") and "天文学院" in rows[1]
    assert "不在系统中" in rows[1][1]

    client.cookies["django_language"] = "en"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "roster-error-rows.xlsx" in page
    disposition, workbook = _download(client, job)
    assert "roster-error-rows.xlsx" in disposition
    rows = list(workbook.active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [3, 4]
    assert "Wrong check character" in rows[0][1] and "is not in the system" in rows[1][1]


def test_the_job_page_reads_the_same_queries_for_2_or_40_errors(client, world, tmp_path):
    client.force_login(world.staff)
    few = _upload(client, world, _bad_roster(tmp_path, bad_rows=2))
    many = _upload(client, world, _bad_roster(tmp_path, bad_rows=40))
    assert len(few.errors) == 2 and len(many.errors) == 40
    counts = []
    for job in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _good_roster(tmp_path, count: int, **overrides) -> bytes:
    rows = [student_row(n, **overrides) for n in range(count)]
    return write_xlsx(tmp_path / f"good{count}.xlsx", rows).read_bytes()


def _whole_job(job: Job) -> str:
    job.refresh_from_db()
    return json.dumps([job.params, job.counts, job.errors, job.result], ensure_ascii=False)


def test_a_finished_check_shows_the_preview_table_with_id_numbers_masked_never_stored_in_full(client, world, tmp_path):
    from sessions_app.idcard import mask_id_number
    from sessions_app.roster.services import import_roster

    client.force_login(world.staff)
    # Student 0 is already on the roster with another ID number: the check previews an update.
    write_xlsx(tmp_path / "before.xlsx", [student_row(0, 身份证号=id_for(900))])
    import_roster(campaign=world.campaign, source=tmp_path / "before.xlsx", actor=world.staff)
    job = _upload(client, world, _good_roster(tmp_path, 3))
    assert job.kind == "roster.check" and job.status == JobStatus.DONE
    stored = _whole_job(job)
    for n in (0, 1, 2, 900):
        assert id_for(n) not in stored
    assert [r["row"] for r in job.result["preview"]] == [2, 3, 4]
    assert job.result["preview"][1]["masked_id"] == mask_id_number(id_for(1))
    assert job.result["preview"][0]["changes"] == [
        ["id_number", mask_id_number(id_for(900)), mask_id_number(id_for(0))]
    ]

    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "将新增或更新的学生（前 3 人）" in page
    assert mask_id_number(id_for(1)) in page and "学生2" in page and "更新" in page
    assert f"身份证号：{mask_id_number(id_for(900))} → {mask_id_number(id_for(0))}" in page
    for n in (0, 1, 2, 900):
        assert id_for(n) not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert mask_id_number(id_for(1)) in page and "将新增或更新的学生" not in page


def test_the_check_page_reads_the_same_queries_for_3_or_50_preview_rows(client, world, tmp_path):
    client.force_login(world.staff)
    few = _upload(client, world, _good_roster(tmp_path, 3))
    many = _upload(client, world, _good_roster(tmp_path, 60))
    assert len(few.result["preview"]) == 3 and len(many.result["preview"]) == 50
    counts = []
    for job in (few, many):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
        assert "roster-preview" in page
        counts.append(len(queries))
    assert counts[0] == counts[1]
