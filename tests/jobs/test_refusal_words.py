"""A background import that refuses the whole file keeps the refusal as code + params; its page puts
it into words in the reader's language, whatever the language of whoever started the job."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from accounts.models import Role
from intake import IntakeError
from jobs.models import Job, JobStatus
from tests.factories import make_campaign, make_college, make_user
from tests.roster_world import build_world, write_xlsx

pytestmark = pytest.mark.django_db

# Punctuation every rendered sentence of ours has and no code, header or cell value here has.
_SENTENCE = re.compile(r"[，：。；？]")


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def assert_stored_as_codes(job: Job) -> None:
    assert re.fullmatch(r"[a-z_]+", job.error_code), job.error_code
    for error in job.errors:
        assert re.fullmatch(r"[a-z_]+", error["code"]) and "message" not in error, error
        sentences = [s for s in _strings(error.get("params", {})) if _SENTENCE.search(s)]
        assert sentences == [], error


def _start(client, url, data, *, language: str) -> Job:
    client.cookies["django_language"] = language
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert job.params["language"] == language
    return job


def _page(client, job: Job, *, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(reverse("jobs:detail", args=[job.pk])).content.decode()


@pytest.fixture
def roster(db, settings, client):
    settings.IMPORT_BACKGROUND_ROWS = 2
    world = build_world()
    client.force_login(world.staff)
    return world


def _roster_job(client, world, name: str, data: bytes, *, language: str) -> Job:
    upload = SimpleUploadedFile(name, data)
    return _start(client, reverse("roster:upload"), {"campaign": world.campaign.pk, "file": upload}, language=language)


def test_an_unreadable_roster_started_in_chinese_is_shown_in_english(client, roster):
    # A CSV field past the csv module's limit: read by the worker, refused as a whole (csv_malformed).
    lines = ["学号,姓名,身份证号,学院", "2017000001,王伟," + "x" * 200_000 + ",机电工程学院", "2017000002,李雷,1,机电"]
    job = _roster_job(client, roster, "名单.csv", "\n".join(lines).encode(), language="zh-hans")
    assert job.status == JobStatus.FAILED and job.error_code == "rejected"
    assert job.errors == [{"row": None, "column": None, "code": "csv_malformed", "params": {}}]
    assert_stored_as_codes(job)

    english = _page(client, job, language="en")
    assert "The CSV file is malformed (unpaired quotes or an over-long cell)" in english
    assert "引号不成对" not in english
    chinese = _page(client, job, language="zh-hans")
    assert "CSV 文件格式有误（引号不成对或单元格过长）" in chinese


def test_a_roster_without_its_id_number_header_started_in_english_is_shown_in_chinese(client, roster, tmp_path):
    header = ["学号", "姓名", "学院"]
    rows = [[f"2017{n:06d}", f"学生{n}", "机电工程学院"] for n in range(3)]
    data = write_xlsx(tmp_path / "no-id.xlsx", rows, header=header).read_bytes()
    job = _roster_job(client, roster, "名单.xlsx", data, language="en")
    assert job.status == JobStatus.FAILED
    (error,) = job.errors
    assert error["code"] == "header_incomplete" and error["row"] is None
    assert error["params"]["missing"] == {"fields": ["身份证号"], "one_of": []}
    assert error["params"]["found"] == ["学号", "姓名", "学院"]
    assert_stored_as_codes(job)

    chinese = _page(client, job, language="zh-hans")
    assert "工作表“Sheet”第 1 行的表头缺少：身份证号。表头是：学号、姓名、学院。必需的列：学号" in chinese
    english = _page(client, job, language="en")
    assert "The header in row 1 of sheet “Sheet” lacks: 身份证号. The header is: 学号, 姓名, 学院." in english
    assert "Required columns: 学号" in english and "表头缺少" not in english


def test_a_roster_whose_header_is_not_found_lists_what_it_saw(client, roster, tmp_path):
    rows = [["甲", "乙", "丙"], ["1", "2", "3"], ["4", "5", "6"]]
    data = write_xlsx(tmp_path / "nothing.xlsx", rows, header=["说明"]).read_bytes()
    job = _roster_job(client, roster, "名单.xlsx", data, language="zh-hans")
    (error,) = job.errors
    assert error["code"] == "header_missing" and error["params"]["titles"] == ["说明"]
    assert_stored_as_codes(job)
    assert "没有找到表头（前 20 行中没有认识的列名）。第 1 行是：说明。必需的列" in _page(
        client, job, language="zh-hans"
    )
    english = _page(client, job, language="en")
    assert "No header found (no known column name in the first 20 rows). Row 1 is: 说明." in english


@pytest.fixture
def payments(db, settings, client):
    settings.IMPORT_BACKGROUND_ROWS = 2
    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    return campaign


def _xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_a_payment_file_without_its_method_column_is_refused_in_the_readers_language(client, payments):
    data = _xlsx(["学号", "金额"], [["2017000001", 17], ["2017000002", 17], ["2017000003", 17]])
    upload = SimpleUploadedFile("缴费.xlsx", data)
    job = _start(client, reverse("fees:import"), {"campaign": payments.code, "file": upload}, language="en")
    assert job.kind == "fees.payment_check" and job.status == JobStatus.FAILED
    (error,) = job.errors
    assert error["code"] == "header_incomplete" and error["params"]["missing"]["fields"] == ["方式"]
    assert_stored_as_codes(job)
    assert "表头缺少：方式。" in _page(client, job, language="zh-hans")
    english = _page(client, job, language="en")
    assert "lacks: 方式." in english and "表头缺少" not in english


def test_the_refusal_is_built_in_the_language_of_the_moment():
    error = IntakeError("file_too_large", size=25 * 1024 * 1024, limit=20 * 1024 * 1024)
    json.dumps(error.params)  # what a job stores
    with translation.override("zh-hans"):
        assert error.message == "文件有 25 MB，超过了 20 MB 的上限：请只保留数据所在的工作表后再上传"
    with translation.override("en"):
        assert error.message.startswith("The file is 25 MB, over the limit of 20 MB")
    with translation.override("en"):
        assert IntakeError("file_parts", n=2500).message.startswith("The workbook has too many parts (2500)")
