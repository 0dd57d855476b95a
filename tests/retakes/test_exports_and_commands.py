import datetime
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from retakes import services
from retakes.exports import retakes_export
from retakes.models import Channel, Reason
from tests.factories import make_student

ROOT = Path(__file__).resolve().parents[2]


def new_request(student, actor, channel=Channel.CENTRAL):
    return services.create_request(student=student, actor=actor, reason=Reason.MISSED_SHOOT, channel=channel)


def read(stream) -> list[list]:
    stream.seek(0)
    sheet = load_workbook(stream, read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- export -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_lists_requests_with_photo_and_paper_state(
    campaign, student, student_user, other_student, staff, photos, django_capture_on_commit_callbacks
):
    first = new_request(student, student_user, channel=Channel.ONLINE)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_photo(request=first, data=photos["off_centre"], actor=student_user)
    new_request(other_student, staff)
    stream = io.BytesIO()
    retakes_export(campaign=campaign, user=None, stream=stream)
    header, *rows = read(stream)
    assert header[:3] == ["学号", "姓名", "学院"]
    by_no = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    mine = by_no[student.student_no]
    assert mine["补拍方式"] == "微信公众号线上采集"
    assert mine["状态"] == "已自动检查，待审核"
    assert mine["自动检查"] == "未通过" and "人像没有居中" in mine["问题"]
    assert mine["纸质照片"] == "需交" and mine["截止日期"] == datetime.datetime(2021, 3, 31)  # a date cell
    assert mine["辅导员"] == "李辅导员"
    theirs = by_no[other_student.student_no]
    assert theirs["电子照片"] == "未提交" and theirs["纸质照片"] == "不需要"
    assert "身份证号" not in header


@pytest.mark.django_db
def test_export_is_limited_to_what_the_user_sees(campaign, student, student_user, other_student, staff, counselor):
    new_request(student, student_user)
    new_request(other_student, staff)
    stream = io.BytesIO()
    retakes_export(campaign=campaign, user=counselor, stream=stream)
    assert [row[0] for row in read(stream)[1:]] == [student.student_no]


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_rows(campaign, college, counselor, staff, django_assert_max_num_queries):
    def export_after_adding(n):
        for _ in range(n):
            new_request(make_student(campaign, college, counselor=counselor), staff)
        stream = io.BytesIO()
        with django_assert_max_num_queries(3):
            retakes_export(campaign=campaign, user=None, stream=stream)
        return len(read(stream)) - 1

    assert export_after_adding(5) == 5
    assert export_after_adding(50) == 55


@pytest.mark.django_db
def test_export_report_command_writes_the_workbook(campaign, student, student_user, tmp_path):
    new_request(student, student_user)
    target = tmp_path / "retakes.xlsx"
    call_command("export_report", "retakes", "--campaign", campaign.code, "-o", str(target), stdout=io.StringIO())
    with target.open("rb") as stream:
        rows = read(io.BytesIO(stream.read()))
    assert rows[1][0] == student.student_no


# --- check_photo command ------------------------------------------------------------------


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_check_photo(*args) -> Ran:
    """In this process (the landmark model loads once, not once per call); what a shell sees of the
    exit code is checked once through the real command line below."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_photo", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return Ran(code, out.getvalue(), err.getvalue())


def run_check_photo_in_a_shell(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check_photo", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def photo_files(photos, tmp_path):
    paths = {}
    for name in ("pass", "head_too_high", "text_as_jpg", "empty"):
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(photos[name])
        paths[name] = path
    return paths


def test_check_photo_exits_0_when_every_file_passes(photo_files):
    result = run_check_photo(str(photo_files["pass"]))
    assert result.returncode == 0, result.stderr
    assert "通过" in result.stdout


def test_check_photo_json_lists_every_file_and_exits_1_on_a_failure(photo_files):
    names = ["pass", "head_too_high", "text_as_jpg", "empty"]
    result = run_check_photo_in_a_shell("--json", *(str(photo_files[n]) for n in names))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [Path(item["file"]).stem for item in report] == names
    assert [item["ok"] for item in report] == [True, False, False, False]
    assert report[0]["findings"] == []
    (head,) = report[1]["findings"]
    assert {"code", "kind", "measured", "allowed", "obtained", "message"} <= set(head)
    assert head["code"] == "head_top" and head["allowed"] == [50, 110] and head["allowed_label"] == "50–110 px"
    assert head["message"].startswith("头顶离上边缘太近")
    assert report[2]["findings"][0]["code"] == "not_an_image"
    assert report[3]["findings"][0]["code"] == "not_an_image"


def test_check_photo_reports_a_missing_file_without_a_traceback(tmp_path):
    result = run_check_photo("--json", str(tmp_path / "nowhere.jpg"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (item,) = json.loads(result.stdout)
    assert item["findings"][0]["code"] == "not_an_image"


def test_check_photo_text_output_names_the_problems(photo_files):
    result = run_check_photo(str(photo_files["head_too_high"]))
    assert result.returncode == 1
    assert "[head_top] 头顶离上边缘太近" in result.stdout


def test_check_photo_takes_the_allowed_backdrops(photos, tmp_path):
    path = tmp_path / "white.jpg"
    path.write_bytes(photos["white_background"])
    assert run_check_photo(str(path)).returncode == 1
    assert run_check_photo("--backgrounds", "blue,white", str(path)).returncode == 0
    refused = run_check_photo("--backgrounds", "green", str(path))
    assert refused.returncode != 0 and "未知的背景色" in refused.stderr
