import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import Role
from jobs.models import Job
from tests.factories import make_user
from verification.chsi_import import apply_import, plan_import
from verification.models import VerificationRecord
from verification.services import confirm_verification

from .conftest import capture

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


def xlsx(rows, title_row=True) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title_row:
        ws.append(["2021届毕业生图像校对情况"])
    for row in rows:
        ws.append(row)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


@pytest.fixture
def captured(campaign, student_factory):
    students = [student_factory() for _ in range(3)]
    for s in students:
        capture(s, on=DAY)
    return students


def _confirmed(student):
    return VerificationRecord.objects.get(student=student, is_active=True).confirmed_at is not None


def test_header_variants_and_id_numbers_match(campaign, captured):
    a, b, c = captured
    data = xlsx(
        [
            ["学号", "身份证号码", "图像校对状态"],
            [a.student_no, "", "已确认"],
            ["", b.id_number.lower(), "已校对"],
            [c.student_no, "", "未确认"],
            ["99999999", "", "已确认"],
        ]
    )
    plan = apply_import(source=io.BytesIO(data), campaign=campaign, actor=None)
    assert plan.ok and len(plan.to_confirm) == 2 and plan.unchanged == 1
    assert [str(u) for u in plan.unmatched] == ["第 6 行：99999999 不在本批次名单中，不会导入"]
    assert _confirmed(a) and _confirmed(b) and not _confirmed(c)
    record = VerificationRecord.objects.get(student=a)
    assert record.confirmation_source == "chsi_import" and record.chsi_status == "已确认"


def test_one_bad_row_imports_nothing_and_lists_every_bad_row(campaign, captured):
    a, b, c = captured
    data = xlsx(
        [
            ["学号", "身份证号", "确认状态"],
            [a.student_no, "", "已确认"],
            ["", "210202199901011235", "已确认"],
            [b.student_no, "", "大概吧"],
            [a.student_no, "", "已确认"],
        ],
        title_row=False,
    )
    plan = apply_import(source=io.BytesIO(data), campaign=campaign, actor=None)
    assert not plan.ok
    errors = [str(e) for e in plan.errors]
    assert [e.code for e in plan.errors] == ["id_number_invalid", "status_unknown", "row_duplicate"]
    assert errors[0].startswith("第 3 行，身份证号 列：身份证号校验位错误")
    assert (
        errors[1] == "第 4 行，确认状态 列：无法识别的状态“大概吧”，应为“正确”“信息有误”“未校对”（或“已确认”“未确认”）"
    )
    assert errors[2] == "第 5 行，学号 列：与第 2 行重复"
    assert not _confirmed(a)


def test_chsi_not_confirmed_overrides_the_students_claim(campaign, captured):
    a = captured[0]
    confirm_verification(student=a, actor=None)
    data = xlsx([["学号", "状态"], [a.student_no, "未确认"]])
    plan = apply_import(source=io.BytesIO(data), campaign=campaign, actor=None)
    assert plan.to_unconfirm and not _confirmed(a)


def test_file_without_header_or_not_xlsx(campaign):
    from verification.chsi_import import ChsiFileError

    with pytest.raises(ChsiFileError, match="没有找到表头"):
        plan_import(source=io.BytesIO(xlsx([["姓名", "班级"], ["张三", "1701"]])), campaign=campaign)
    with pytest.raises(ChsiFileError, match="文件内容不是表格"):
        plan_import(source=io.BytesIO(b"\x00\x01\x02"), campaign=campaign)
    # A CSV is read as one (学号,状态 header and no rows).
    plan = plan_import(source=io.BytesIO(b"\xe5\xad\xa6\xe5\x8f\xb7,\xe7\x8a\xb6\xe6\x80\x81\n"), campaign=campaign)
    assert [e.code for e in plan.errors] == ["no_rows"]


def test_command(campaign, captured, tmp_path, capsys):
    a = captured[0]
    path = tmp_path / "chsi.xlsx"
    path.write_bytes(xlsx([["学号", "校对状态"], [a.student_no, "已确认"], ["nobody", "已确认"]]))
    call_command("import_chsi_status", str(path), "--campaign", campaign.code, "--dry-run")
    out = capsys.readouterr().out
    assert "将标记已确认 1 人" in out and "未匹配 第 4 行：nobody 不在本批次名单中，不会导入" in out
    assert not _confirmed(a)
    call_command("import_chsi_status", str(path), "--campaign", campaign.code)
    assert "已导入：1 人标记为已确认" in capsys.readouterr().out
    assert _confirmed(a)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["学号", "校对状态"], [a.student_no, "???"]]))
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_chsi_status", str(bad), "--campaign", campaign.code)


def test_staff_page_preview_then_confirm(client, campaign, captured):
    a = captured[0]
    client.force_login(make_user(Role.STAFF))
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    upload = SimpleUploadedFile("chsi.xlsx", xlsx([["学号", "校对状态"], [a.student_no, "已确认"], ["x1", "已确认"]]))
    preview = client.post(url, {"file": upload}, follow=True)
    page = preview.content.decode()
    assert "将标记为已确认：<strong>1</strong>" in page and "x1 不在本批次名单中" in page
    assert "确认导入（将标记已确认 1 人" in page
    assert not _confirmed(a)
    confirm = reverse("verification:import_confirm_job", args=[preview.context["job"].pk])
    done = client.post(confirm, follow=True)
    page = done.content.decode()
    assert "导入学信网校对状态" in page and "已完成" in page and "标记为已确认：<strong>1</strong>" in page
    assert _confirmed(a)
    # The stored upload is gone: confirming twice cannot apply it again.
    again = client.post(confirm, follow=True)
    assert "预览已过期" in again.content.decode()
    assert Job.objects.filter(kind="verification.chsi_import").count() == 1
    assert client.post("/verification/import/confirm/999999/").status_code == 404


def test_staff_page_rejects_bad_files_with_a_message(client, campaign):
    client.force_login(make_user(Role.STAFF))
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    response = client.post(url, {"file": SimpleUploadedFile("chsi.xlsx", b"\x00\x01 not a workbook")})
    assert response.status_code == 400 and "文件内容不是表格" in response.content.decode()
    # A file the cheap guards pass is refused by its check, on its job page: nothing imported.
    response = client.post(url, {"file": SimpleUploadedFile("chsi.csv", b"a,b")}, follow=True)
    page = response.content.decode()
    assert "没有找到表头" in page and "未导入任何数据" in page and "确认导入" not in page


def test_import_page_is_staff_only(client, campaign):
    coordinator = make_user(Role.COORDINATOR)
    client.force_login(coordinator)
    assert client.get(reverse("verification:import")).status_code == 403


def test_chsi_words_correct_unproofed_and_wrong_data_opens_a_problem_report(campaign, captured):
    from verification.models import ProblemReport, ProblemType

    a, b, c = captured
    confirm_verification(student=c, actor=None)
    data = xlsx(
        [
            ["XH", "XM", "JDZT", "错误说明"],
            [a.student_no, a.name, "正确", ""],
            [b.student_no, b.name, "未校对", ""],
            [c.student_no, c.name, "信息有误", "出生日期错误"],
        ]
    )
    staff = make_user(Role.STAFF)
    plan = apply_import(source=io.BytesIO(data), campaign=campaign, actor=staff)
    assert plan.ok and len(plan.to_confirm) == 1 and len(plan.to_report) == 1
    assert _confirmed(a) and not _confirmed(b)
    # 信息有误 is no confirmation: the earlier one is withdrawn and a report opened, once.
    assert not _confirmed(c)
    [report] = ProblemReport.objects.filter(student=c)
    assert report.problem_type == ProblemType.WRONG_DATA and "出生日期错误" in report.description
    again = apply_import(source=io.BytesIO(data), campaign=campaign, actor=staff)
    assert again.already_reported == 1 and ProblemReport.objects.filter(student=c).count() == 1


def test_chsi_xls_as_chsi_asks_for_it(campaign, captured):
    from tests.intake import shapes

    a, b, _c = captured
    data = shapes.xls(
        [["学号", "姓名", "校对状态"], [a.student_no, a.name, "已确认"], [b.student_no, b.name, "未确认"]]
    )
    plan = apply_import(source=io.BytesIO(data), campaign=campaign, actor=None, file_name="chsi.xls")
    assert plan.ok and _confirmed(a) and not _confirmed(b)


@pytest.mark.parametrize("header", ["校对状态", "校对结果", "校对结论", "图像校对", "图像校对状态"])
def test_status_headers_that_chsi_and_schools_use_are_recognised(campaign, captured, header):
    a = captured[0]
    plan = apply_import(
        source=io.BytesIO(xlsx([["学号", header], [a.student_no, "正确"]])), campaign=campaign, actor=None
    )
    assert plan.ok and len(plan.to_confirm) == 1 and _confirmed(a)


def test_the_page_says_what_the_preview_does_and_lists_every_accepted_spelling(client, campaign):
    client.force_login(make_user(Role.STAFF))
    page = client.get(reverse("verification:import") + f"?campaign={campaign.code}").content.decode()
    assert "找不到本批次已采集学生的行只在预览中列出并跳过，其余行照常导入" in page
    assert "文件有任何错误行时不导入任何数据" not in page  # the old text contradicted the preview
    for header in ("校对状态", "校对结论", "图像校对"):
        assert header in page
    for spelling in ("正确", "已校对", "未校对", "信息有误", "张冠李戴"):
        assert spelling in page
