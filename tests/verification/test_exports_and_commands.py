import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from core.registries import exporters
from tests.factories import make_college, make_slot, make_student, make_user
from tests.jobs_support import export_bytes
from verification.exports import verification_report
from verification.models import ProblemReport

from .conftest import capture

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)
AFTER_DUE = datetime.date(2021, 1, 10)


def _sheets(data: bytes):
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def _populate(campaign, college, n, slot, operator):
    for i in range(n):
        s = make_student(campaign, college=college, name=f"逾期{i}")
        capture(s, on=DAY, slot=slot, operator=operator)


def test_export_lists_overdue_students_per_college(campaign, college, student_factory):
    slot, operator = make_slot(campaign, group="g", date=DAY), make_user(Role.OPERATOR)
    _populate(campaign, college, 2, slot, operator)
    late = make_student(campaign, college=college, name="晚采")
    capture(late, on=datetime.date(2021, 1, 1), slot=slot, operator=operator)
    ProblemReport.objects.create(
        campaign=campaign, student=late, problem_type="wrong_photo", status="submitted", description="x"
    )
    assert "verification" in exporters()
    stream = io.BytesIO()
    verification_report(campaign=campaign, user=None, stream=stream, today=AFTER_DUE)
    sheets = _sheets(stream.getvalue())
    summary = sheets["各学院进度"]
    assert summary[0][:7] == ["学院", "名单人数", "已采集", "已确认", "待确认（未逾期）", "已逾期", "有问题"]
    assert summary[1][:7] == ["计算机科学与工程学院", 3, 3, 0, 1, 2, 1]
    overdue = sheets["逾期未确认名单"]
    assert [row[3] for row in overdue[1:]] == ["逾期0", "逾期1"]
    assert overdue[1][7] == 5  # days past 2021-01-05
    pending = sheets["未确认（截止前）"]
    assert pending[0][7] == "剩余天数"
    assert [(row[3], row[7], row[8]) for row in pending[1:]] == [("晚采", 31, "照片“张冠李戴”，不是本人")]  # due 02-10


def test_export_is_scoped_to_the_coordinator(client, campaign, college):
    slot, operator = make_slot(campaign, group="g", date=DAY), make_user(Role.OPERATOR)
    _populate(campaign, college, 1, slot, operator)
    other = make_student(campaign, college=make_college("外国语学院"), name="别院")
    capture(other, on=DAY, slot=slot, operator=operator)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    assert client.get(reverse("verification:export"), {"campaign": campaign.code}).status_code == 302
    text = str(_sheets(export_bytes(client, "verification", campaign.code)))
    assert "逾期0" in text and "别院" not in text and "外国语学院" not in text


def test_export_constant_queries(campaign, college, django_assert_max_num_queries):
    slot, operator = make_slot(campaign, group="g", date=DAY), make_user(Role.OPERATOR)
    _populate(campaign, college, 3, slot, operator)
    with django_assert_max_num_queries(10) as small:
        verification_report(campaign=campaign, user=None, stream=io.BytesIO(), today=AFTER_DUE)
    _populate(campaign, make_college("设计学院"), 30, slot, operator)
    with django_assert_max_num_queries(len(small.captured_queries)):
        verification_report(campaign=campaign, user=None, stream=io.BytesIO(), today=AFTER_DUE)


def test_export_report_command_if_present(campaign, college, tmp_path):
    try:
        from sessions_app.management.commands import export_report  # noqa: F401  (built by another issue)
    except ImportError:
        pytest.skip("export_report command not in this tree yet")
    slot, operator = make_slot(campaign, group="g", date=DAY), make_user(Role.OPERATOR)
    _populate(campaign, college, 1, slot, operator)
    target = tmp_path / "v.xlsx"
    call_command("export_report", "verification", "--campaign", campaign.code, "-o", str(target))
    assert "各学院进度" in _sheets(target.read_bytes())


def test_send_reminders_command_dry_run_then_real(campaign, student_factory, capsys):
    student = student_factory(phone="13800000001")
    capture(student, on=DAY)
    call_command("send_reminders", "--campaign", campaign.code, "--today", "2020-12-22", "--dry-run")
    out = capsys.readouterr().out
    assert "网上校对提醒：将发送 1 条（截止前 14 天 1 人）" in out and "预览模式" in out
    call_command("send_reminders", "--campaign", campaign.code, "--today", "2020-12-22")
    assert "网上校对提醒：已发送 1 条" in capsys.readouterr().out
    call_command("send_reminders", "--campaign", campaign.code, "--today", "2020-12-22")
    assert "网上校对提醒：已发送 0 条" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("send_reminders", "--campaign", "nope")
    with pytest.raises(CommandError, match="日期格式"):
        call_command("send_reminders", "--campaign", campaign.code, "--today", "12/22")


def test_student_panel(campaign, student_factory):
    from django.utils import timezone

    from core.registries import render_student_panels
    from verification.panels import verification_status

    student = student_factory()
    assert verification_status(student)[1]["record"] is None
    capture(student, on=timezone.localdate() - datetime.timedelta(days=33))
    template, context = verification_status(student)
    assert template == "verification/student_panel.html" and context["days_left"] == 7
    assert any(t == "verification/student_panel.html" for t, _ in render_student_panels(student))
