import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from fees.models import Entry, FeeAccount, Kind, Method
from fees.payment_import import import_payments
from fees.services import FeeError
from tests.factories import make_student

from .conftest import capture, xlsx

D = Decimal


@pytest.fixture
def two_captured(campaign, college):
    students = [make_student(campaign, college) for _ in range(2)]
    for s in students:
        capture(s)
    return students


def test_good_file_posts_every_row(campaign, two_captured, coordinator):
    a, b = two_captured
    data = xlsx([(a.student_no, 17, "微信", "班长代收"), (b.student_no, "10.50", "现金", None)])
    result = import_payments(campaign=campaign, data=data, actor=coordinator)
    assert result.ok and result.created == 2 and result.total == D("27.50")
    entry = Entry.objects.get(account__student=a, kind=Kind.PAYMENT)
    assert entry.method == Method.WECHAT and entry.note == "班长代收" and entry.posted_by == coordinator
    assert FeeAccount.objects.get(student=b).balance == D("6.50")


def test_same_file_again_posts_nothing(campaign, two_captured, coordinator):
    a, b = two_captured
    data = xlsx([(a.student_no, 17, "微信", ""), (b.student_no, 17, "支付宝", "")])
    import_payments(campaign=campaign, data=data, actor=coordinator)
    again = import_payments(campaign=campaign, data=data, actor=coordinator)
    assert again.ok and again.created == 0 and again.replayed == 2
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 2


def test_every_bad_row_listed_and_nothing_posted(campaign, two_captured, coordinator, other_college):
    a, b = two_captured
    outsider = make_student(campaign, other_college)
    data = xlsx(
        [
            (a.student_no, 17, "现金", ""),
            ("9999999999", 17, "现金", ""),
            (b.student_no, "abc", "刷卡", ""),
            (outsider.student_no, 17, "现金", ""),
            (None, None, None, None),  # blank rows are skipped, not errors
            (b.student_no, 1.239, "现金", ""),
        ]
    )
    result = import_payments(campaign=campaign, data=data, actor=coordinator)
    assert [e.code for e in result.errors] == [
        "student_unknown",
        "amount_invalid",
        "method_unknown",
        "student_unknown",
        "amount_precision",
    ]
    assert [str(e) for e in result.errors] == [
        "第 3 行，学号 列：在你负责的学院中没有学号 9999999999",
        "第 4 行，金额 列：金额“abc”不是有效的数字",
        "第 4 行，方式 列：“刷卡”不是可用的方式，应为 现金、微信、支付宝、银行转账 或 校园统一支付平台",
        f"第 5 行，学号 列：在你负责的学院中没有学号 {outsider.student_no}",
        "第 7 行，金额 列：金额最多两位小数（元、角、分）",
    ]
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def test_overpayment_across_rows_rolls_back_everything(campaign, two_captured, coordinator):
    a, b = two_captured
    data = xlsx([(b.student_no, 17, "现金", ""), (a.student_no, 10, "现金", ""), (a.student_no, 10, "现金", "")])
    result = import_payments(campaign=campaign, data=data, actor=coordinator)
    assert len(result.errors) == 1 and str(result.errors[0]).startswith("第 4 行，金额 列：超出应缴金额")
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
    assert FeeAccount.objects.get(student=b).balance == D("17.00")


def test_optional_date_column(campaign, two_captured, coordinator):
    a, b = two_captured
    data = xlsx(
        [(a.student_no, 17, "现金", "", datetime.date(2020, 11, 20)), (b.student_no, 17, "现金", "", "2020/11/21")],
        headers=("学号", "金额", "方式", "备注", "日期"),
    )
    result = import_payments(campaign=campaign, data=data, actor=coordinator)
    assert result.ok
    entry = Entry.objects.get(account__student=b, kind=Kind.PAYMENT)
    assert entry.occurred_at.date() == datetime.date(2020, 11, 21)


def test_bad_date_listed(campaign, two_captured, coordinator):
    a, _b = two_captured
    data = xlsx([(a.student_no, 17, "现金", "", "下周二")], headers=("学号", "金额", "方式", "备注", "日期"))
    result = import_payments(campaign=campaign, data=data, actor=coordinator)
    assert [str(e) for e in result.errors] == ["第 2 行，日期 列：日期“下周二”无法识别，请写成 2020-11-20"]


def test_missing_headers_and_not_a_workbook(campaign, coordinator):
    with pytest.raises(FeeError, match="表头缺少：方式"):
        import_payments(campaign=campaign, data=xlsx([], headers=("学号", "金额")), actor=coordinator)
    with pytest.raises(FeeError, match="没有找到表头"):
        import_payments(campaign=campaign, data=b"student_no,amount\n1,2\n", actor=coordinator)


def test_command_imports_all_or_nothing(campaign, two_captured, tmp_path, capsys):
    a, b = two_captured
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([(a.student_no, 17, "现金", "")]))
    call_command("import_payments", str(good), "--campaign", campaign.code)
    assert "新登记 1 笔" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([(b.student_no, 17, "现金", ""), (b.student_no, 17, "现金", "")]))
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_payments", str(bad), "--campaign", campaign.code)
    assert "第 3 行，金额 列：超出应缴金额" in capsys.readouterr().err
    assert FeeAccount.objects.get(student=b).paid == 0
    with pytest.raises(CommandError, match="没有采集批次"):
        call_command("import_payments", str(good), "--campaign", "nope")


def test_upload_page_lists_errors(client, campaign, two_captured, coordinator, other_coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a, _b = two_captured
    client.force_login(coordinator)
    upload = SimpleUploadedFile("pay.xlsx", xlsx([(a.student_no, 18, "现金", "")]))
    response = client.post(reverse("fees:import"), {"campaign": campaign.code, "file": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "第 2 行，金额 列：超出应缴金额" in page and "未导入任何数据" in page and "确认导入" not in page
    # The bad rows come back as a workbook with the reason beside them, for this user only.
    job = response.context["job"]
    file_url = reverse("jobs:file", args=[job.pk])
    assert file_url in page
    download = client.get(file_url)
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("原行号", "错误原因", "学号")
    assert rows[1][0] == 2 and rows[1][1].startswith("金额：超出应缴金额") and rows[1][2] == a.student_no
    client.logout()
    client.force_login(other_coordinator)
    assert client.get(file_url).status_code == 404
    client.force_login(coordinator)
    template = client.get(reverse("fees:import_template"))
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert header == ("学号", "金额", "方式", "备注", "日期")
    upload = SimpleUploadedFile("pay.xlsx", xlsx([(a.student_no, 17, "现金", "")]))
    response = client.post(reverse("fees:import"), {"campaign": campaign.code, "file": upload}, follow=True)
    confirm = reverse("fees:import_confirm_job", args=[response.context["job"].pk])
    assert "确认导入（新登记 1 笔，共 ¥17.00" in response.content.decode()
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()  # nothing before the confirm
    response = client.post(confirm, follow=True)
    assert "新登记（笔）：<strong>1</strong>" in response.content.decode()
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 1
    upload = SimpleUploadedFile("pay.csv", b"x")
    response = client.post(reverse("fees:import"), {"campaign": campaign.code, "file": upload}, follow=True)
    assert "没有找到表头" in response.content.decode()
    upload = SimpleUploadedFile("pay.xlsx", b"\x00\x01binary")
    response = client.post(reverse("fees:import"), {"campaign": campaign.code, "file": upload}, follow=True)
    assert "文件内容不是表格" in response.content.decode()
