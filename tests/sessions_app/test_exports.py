import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from capture_day.services import check_in, undo_check_in
from core.registries import exporters
from sessions_app.models import Student
from tests.desk_world import add_students
from tests.jobs_support import export_bytes, export_file

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def rows(workbook, sheet):
    return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]


def by_student_no(table):
    header, *body = table
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in body}


def export_via_command(name, campaign, tmp_path):
    target = tmp_path / f"{name}.xlsx"
    call_command("export_report", name, "--campaign", campaign.code, "-o", str(target), stdout=io.StringIO())
    return load_workbook(target, read_only=True)


def capture(world, student, slot):  # noqa: F811
    return check_in(campaign=world.campaign, slot=slot, identifier=student.student_no, operator=world.operator)


def test_both_reports_are_registered():
    names = exporters()
    assert names["roster"].title == "学生名单"
    assert names["attendance"].title == "采集考勤"


# --- roster -----------------------------------------------------------------------


def test_roster_from_the_command_line_has_full_ids(world, tmp_path):  # noqa: F811
    wb = export_via_command("roster", world.campaign, tmp_path)
    header, students = by_student_no(rows(wb, "学生名单"))
    assert header[:11] == (
        "学号",
        "姓名",
        "性别",
        "身份证号",
        "学院",
        "专业",
        "班级",
        "层次",
        "校区",
        "手机号",
        "辅导员",
    )
    assert "时段" in header and "时段状态" in header
    zhang = students[world.econ_student.student_no]
    assert zhang["姓名"] == "张三"
    assert zhang["身份证号"] == world.econ_student.id_number  # staff need it whole for CHSI
    assert zhang["学院"] == "经济管理学院" and zhang["班级"] == "经管1701" and zhang["层次"] == "本科"
    assert zhang["辅导员"] == "辅导员甲"
    assert "08:30-09:50" in zhang["时段"] and zhang["时段状态"] == "已匹配"
    # Only the code's keyed hash is held: the export says whether it is bound, never the code.
    assert students[world.x_student.student_no]["学信网采集码"] == "已绑定"
    assert students[world.econ_student.student_no]["学信网采集码"] in ("", None)
    assert len(students) == 5
    assert AuditEvent.objects.get(action="id_numbers.shown_full").data["via"] == "command_line"


def test_roster_for_a_coordinator_is_their_college_with_masked_ids(client, world):  # noqa: F811
    client.force_login(world.coordinator)
    _html, response = export_file(client, "roster", world.campaign.code)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    _, students = by_student_no(rows(wb, "学生名单"))
    assert set(students) == {world.econ_student.student_no, world.econ_student2.student_no, world.x_student.student_no}
    zhang = students[world.econ_student.student_no]
    assert zhang["身份证号"] == world.econ_student.masked_id != world.econ_student.id_number


def test_roster_for_staff_without_the_permission_is_masked(client, world):  # noqa: F811
    client.force_login(world.staff)
    wb = load_workbook(io.BytesIO(export_bytes(client, "roster", world.campaign.code)), read_only=True)
    _, students = by_student_no(rows(wb, "学生名单"))
    assert len(students) == 5
    assert students[world.cs_student.student_no]["身份证号"] == world.cs_student.masked_id
    assert not AuditEvent.objects.filter(action="id_numbers.shown_full").exists()


def test_roster_with_the_full_id_permission_is_whole_and_audited(client, world):  # noqa: F811
    """Issue 11, item 4: whole numbers only with the permission, and who/when/how many is on record."""
    world.staff.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    client.force_login(world.staff)
    wb = load_workbook(io.BytesIO(export_bytes(client, "roster", world.campaign.code)), read_only=True)
    _, students = by_student_no(rows(wb, "学生名单"))
    assert students[world.cs_student.student_no]["身份证号"] == world.cs_student.id_number
    event = AuditEvent.objects.get(action="id_numbers.shown_full")
    assert event.actor == world.staff and event.created_at is not None
    assert event.data == {"where": "export:roster", "rows": 5, "via": "web"}


# --- attendance --------------------------------------------------------------------


def test_attendance_detail_and_summary(world, tmp_path):  # noqa: F811
    capture(world, world.econ_student, world.slot_econ)
    capture(world, world.cs_student, world.slot_econ)  # wrong slot
    undone = capture(world, world.econ_student2, world.slot_econ).capture
    undo_check_in(capture=undone, actor=world.staff, reason="刷错了人")
    wb = export_via_command("attendance", world.campaign, tmp_path)
    assert wb.sheetnames == ["各学院汇总", "考勤明细"]

    header, students = by_student_no(rows(wb, "考勤明细"))
    assert header == (
        "学号",
        "姓名",
        "学院",
        "班级",
        "层次",
        "应到时段",
        "是否采集",
        "采集时间",
        "采集时段",
        "非本人时段",
        "识别方式",
        "撤销次数",
        "最近撤销原因",
    )
    zhang = students[world.econ_student.student_no]
    assert zhang["是否采集"] == "是" and zhang["非本人时段"] == "否" and zhang["识别方式"] == "学号"
    assert zhang["采集时间"] is not None and zhang["撤销次数"] == 0
    zhao = students[world.cs_student.student_no]
    assert zhao["是否采集"] == "是" and zhao["非本人时段"] == "是"
    assert "09:50-11:00" in zhao["应到时段"] and "08:30-09:50" in zhao["采集时段"]
    li = students[world.econ_student2.student_no]
    assert li["是否采集"] == "否" and li["撤销次数"] == 1 and li["最近撤销原因"] == "刷错了人"
    assert students[world.civil_student.student_no]["是否采集"] == "否"

    summary = rows(wb, "各学院汇总")
    assert summary[0] == ("学院", "应采集人数", "已采集人数", "未采集人数", "采集率", "其中非本人时段")
    table = {row[0]: row[1:] for row in summary[1:]}
    assert table["经济管理学院"][:3] == (3, 1, 2)
    assert table["经济管理学院"][3] == pytest.approx(1 / 3)
    assert table["计算机学院"] == (1, 1, 0, 1, 1)
    assert table["合计"][:3] == (5, 2, 3)


def test_attendance_for_a_coordinator_is_only_their_college(client, world):  # noqa: F811
    capture(world, world.cs_student, world.slot_cs)
    client.force_login(world.coordinator)
    wb = load_workbook(io.BytesIO(export_bytes(client, "attendance", world.campaign.code)), read_only=True)
    _, students = by_student_no(rows(wb, "考勤明细"))
    assert world.cs_student.student_no not in students and len(students) == 3
    assert [row[0] for row in rows(wb, "各学院汇总")[1:]] == ["经济管理学院", "合计"]


# --- the command and the page --------------------------------------------------------


def test_unknown_report_lists_the_available_ones(world, tmp_path):  # noqa: F811
    with pytest.raises(CommandError) as error:
        call_command("export_report", "nope", "--campaign", world.campaign.code, "-o", str(tmp_path / "x.xlsx"))
    assert "nope" in str(error.value) and "roster" in str(error.value) and "attendance" in str(error.value)
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_report_exits_non_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "export_report", "nope", "--campaign", "x", "-o", str(tmp_path / "x.xlsx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "可用的报表" in result.stderr and "attendance" in result.stderr, result.stderr[-2000:]


def test_unknown_campaign_is_a_clear_error(world, tmp_path):  # noqa: F811
    with pytest.raises(CommandError, match="没有代码为 nope 的采集批次"):
        call_command("export_report", "roster", "--campaign", "nope", "-o", str(tmp_path / "x.xlsx"))


def test_missing_output_directory_is_a_clear_error(world, tmp_path):  # noqa: F811
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command(
            "export_report", "roster", "--campaign", world.campaign.code, "-o", str(tmp_path / "no" / "x.xlsx")
        )


def test_export_page_scope(client, world):  # noqa: F811
    url = reverse("export", args=["roster"])
    for role in ("counselor", "operator", "student_user"):
        client.force_login(getattr(world, role))
        assert client.get(url, {"campaign": world.campaign.code}).status_code == 403
        assert client.post(url + f"?campaign={world.campaign.code}").status_code == 403
    client.force_login(world.coordinator)
    assert client.get(reverse("export", args=["nope"])).status_code == 404
    assert client.get(url, {"campaign": "nope"}).status_code == 404
    assert client.get(reverse("export", args=["retakes"]), {"campaign": world.campaign.code}).status_code == 403


def test_old_export_address_leads_to_the_export_page(client, world):  # noqa: F811
    client.force_login(world.coordinator)
    response = client.get(reverse("sessions_app:export", args=["roster"]), {"campaign": world.campaign.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("export", args=["roster"]) + f"?campaign={world.campaign.code}"
    page = client.get(response["Location"]).content.decode()
    assert "生成 .xlsx" in page and "学生名单" in page


# --- cost ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["roster", "attendance"])
def test_export_query_count_does_not_grow(world, name, tmp_path, django_assert_max_num_queries):  # noqa: F811
    exporter = exporters()[name]
    with django_assert_max_num_queries(6) as few:
        exporter.func(campaign=world.campaign, user=world.coordinator, stream=io.BytesIO())
    baseline = len(few)
    add_students(world.campaign, world.econ, 60)
    for student in Student.objects.filter(college=world.econ)[:40]:
        capture(world, student, world.slot_econ)
    with django_assert_max_num_queries(baseline):
        exporter.func(campaign=world.campaign, user=world.coordinator, stream=io.BytesIO())
    with django_assert_max_num_queries(baseline):
        exporter.func(campaign=world.campaign, user=None, stream=io.BytesIO())


def test_export_is_write_only_mode(world, monkeypatch):  # noqa: F811
    from core.spreadsheets import DataWorkbook

    modes = []

    def spy():
        workbook = DataWorkbook()
        modes.append(workbook.write_only)
        return workbook

    monkeypatch.setattr("sessions_app.exports.DataWorkbook", spy)
    for name in ("roster", "attendance"):
        exporters()[name].func(campaign=world.campaign, user=None, stream=io.BytesIO())
    assert modes == [True, True]
