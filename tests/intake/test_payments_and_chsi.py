"""The payment and CHSI importers on the same intake: shapes, the one money parser, and every bomb."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from fees.models import Entry, Kind
from fees.payment_import import import_payments
from tests.factories import make_college, make_student, make_user
from tests.fees.conftest import capture
from verification.models import ProblemReport, VerificationRecord

from . import shapes
from .test_bombs import BOMBS, bomb

pytestmark = pytest.mark.django_db


@pytest.fixture
def college():
    return make_college("计算机科学与工程学院")


@pytest.fixture
def coordinator(college):
    user = make_user(Role.COORDINATOR)
    user.colleges.add(college)
    return user


@pytest.fixture
def captured(world, college):
    students = [make_student(world.campaign, college) for _ in range(2)]
    for student in students:
        capture(student)
    return students


def test_payments_from_a_gbk_csv_with_a_title_row_and_a_footer(world, captured, coordinator):
    a, b = captured
    data = shapes.csv_bytes(
        [
            ["计算机学院 2021 届图像采集费收缴明细"],
            ["学号", "缴费金额", "缴费方式", "备注"],
            [a.student_no, "17.00", "微信", ""],
            [b.student_no, "￥17", "现金", "补交"],
            ["合计", "34"],
        ],
        encoding="gbk",
    )
    result = import_payments(campaign=world.campaign, data=data, actor=coordinator, filename="收费.csv")
    assert result.ok and result.created == 2
    assert sorted(Entry.objects.filter(kind=Kind.PAYMENT).values_list("amount", flat=True)) == [17, 17]
    assert {n.code for n in result.notices} >= {"footer_skipped", "encoding"}


def test_payments_from_xls_and_a_decimal_comma_refused(world, captured, coordinator):
    a, b = captured
    data = shapes.xls([["学号", "金额", "方式"], [a.student_no, "0,5", "现金"], [b.student_no, 17.0, "支付宝"]])
    result = import_payments(campaign=world.campaign, data=data, actor=coordinator, filename="pay.xls")
    [error] = result.errors
    assert (error.row, error.column, error.code) == (2, "金额", "amount_separator")
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


@pytest.mark.parametrize("name", list(BOMBS))
def test_payment_page_refuses_each_bomb(client, world, coordinator, name):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("pay.xlsx", bomb(name))
    response = client.post(reverse("fees:import"), {"campaign": world.campaign.code, "file": upload})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "请" in page and "导入完成" not in page
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


@pytest.mark.parametrize("name", list(BOMBS))
def test_chsi_page_refuses_each_bomb(staff_client, world, name, settings):
    url = reverse("verification:import") + f"?campaign={world.campaign.code}"
    response = staff_client.post(url, {"file": SimpleUploadedFile("chsi.xlsx", bomb(name))})
    assert response.status_code == 400
    assert "请" in response.content.decode()
    assert not VerificationRecord.objects.filter(confirmed_at__isnull=False).exists()
    assert not ProblemReport.objects.exists()
    staged = settings.MEDIA_ROOT / "intake" / "chsi"
    assert not staged.exists() or not any(staged.iterdir())


def test_chsi_previews_expire_and_are_swept(staff_client, world, captured, settings):
    import os
    import time

    from intake import staging

    url = reverse("verification:import") + f"?campaign={world.campaign.code}"
    data = shapes.xlsx([["学号", "校对状态"], [captured[0].student_no, "正确"]])
    preview = staff_client.post(url, {"file": SimpleUploadedFile("chsi.xlsx", data)}, follow=True)
    confirm = reverse("verification:import_confirm_job", args=[preview.context["job"].pk])
    assert confirm in preview.content.decode()
    [staged] = list((settings.MEDIA_ROOT / "intake" / "chsi").iterdir())
    old = time.time() - staging.MAX_AGE_SECONDS - 1
    os.utime(staged, (old, old))
    # Expired: not handed out any more, and gone from the disk with the next sweep.
    done = staff_client.post(confirm, follow=True)
    assert "预览已过期" in done.content.decode()
    assert not staged.exists()
    assert VerificationRecord.objects.filter(confirmed_at__isnull=False).count() == 0


def test_each_import_page_offers_a_template(staff_client, client, world, coordinator):
    import io

    from openpyxl import load_workbook

    def header(response):
        assert response.status_code == 200
        return next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    assert header(staff_client.get(reverse("roster:template")))[:4] == ("学号", "姓名", "性别", "身份证号")
    assert header(staff_client.get(reverse("verification:import_template")))[:2] == ("学号", "身份证号")
    client.force_login(coordinator)
    assert header(client.get(reverse("fees:import_template")))[:3] == ("学号", "金额", "方式")
