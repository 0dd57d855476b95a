"""The payment import's one flow (jobs.imports): a small file within the request, a large one queued,
one import per confirm, every bad row listed; the check is a dry run that posts nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fees.models import Entry, FeeAccount, Kind
from fees.payment_import import import_payments
from jobs.models import Job, JobStatus
from tests.factories import make_student
from tests.import_flow import confirm, staged, upload

from .conftest import capture, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def students(campaign, college, coordinator, client):
    made = [make_student(campaign, college) for _ in range(3)]
    for s in made:
        capture(s)
    client.force_login(coordinator)
    return made


def _send(client, campaign, data):
    return upload(client, reverse("fees:import"), data, name="缴费.xlsx", fields={"campaign": campaign.code})


def _paid() -> int:
    return Entry.objects.filter(kind=Kind.PAYMENT).count()


def test_a_small_payment_file_goes_through_upload_preview_confirm_within_the_request(client, campaign, students):
    check, queued = _send(client, campaign, xlsx([(s.student_no, 17, "微信", "") for s in students]))
    assert queued == 0 and check.kind == "fees.payment_check" and check.status == JobStatus.DONE
    assert check.counts == {"rows": 3, "created": 3, "replayed": 0, "total": "51.00"} and _paid() == 0
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    url = reverse("fees:import_confirm_job", args=[check.pk])
    assert url in page and "确认导入（新登记 3 笔，共 ¥51.00，已登记过的 0 笔未重复入账）" in page

    imported, queued = confirm(client, url)
    assert queued == 0 and imported.kind == "fees.payment_import" and imported.status == JobStatus.DONE
    assert all(FeeAccount.objects.get(student=s).paid == Decimal("17.00") for s in students)
    page = client.get(reverse("jobs:detail", args=[imported.pk])).content.decode()
    assert "批量导入缴费" in page and "新登记（笔）：<strong>3</strong>" in page
    assert staged("payments") == []


def test_a_large_payment_file_is_queued_for_a_worker(client, campaign, students, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    check, queued = _send(client, campaign, xlsx([(s.student_no, 17, "微信", "") for s in students]))
    assert queued == 1 and check.status == JobStatus.QUEUED and len(staged("payments")) == 1 and _paid() == 0


def test_a_confirm_posted_twice_imports_once(client, campaign, students):
    check, _ = _send(client, campaign, xlsx([(students[0].student_no, 17, "现金", "")]))
    url = reverse("fees:import_confirm_job", args=[check.pk])
    confirm(client, url)
    response = client.post(url, follow=True)
    assert "这次预览已失效" in response.content.decode()
    assert Job.objects.filter(kind="fees.payment_import").count() == 1 and _paid() == 1


def test_a_refused_payment_file_lists_every_bad_row(client, campaign, students):
    a, b, c = students
    data = xlsx(
        [
            (a.student_no, 17, "现金", ""),
            ("99", 17, "现金", ""),
            (b.student_no, "abc", "刷卡", ""),
            (c.student_no, 18, "现金", ""),
        ]
    )
    check, queued = _send(client, campaign, data)
    assert queued == 0 and check.status == JobStatus.FAILED and check.error_code == "rejected"
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "未导入任何数据" in page and "确认导入" not in page
    assert "第 3 行，学号 列：在你负责的学院中没有学号 99" in page
    assert "第 4 行，金额 列：金额“abc”不是有效的数字" in page and "第 4 行，方式 列：" in page
    assert _paid() == 0 and staged("payments") == []


def test_an_overpayment_is_refused_by_the_check_not_at_the_confirm(client, campaign, students):
    """The check posts every row as the import would (then rolls back): the fee rules speak at preview time."""
    a = students[0]
    check, _ = _send(client, campaign, xlsx([(a.student_no, 10, "现金", ""), (a.student_no, 10, "现金", "")]))
    assert check.status == JobStatus.FAILED and [(e["row"], e["code"]) for e in check.errors] == [(3, "overpaid")]
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "第 3 行，金额 列：超出应缴金额" in page and _paid() == 0


def test_a_dry_run_counts_what_the_import_would_post_and_posts_nothing(campaign, students, coordinator):
    data = xlsx([(s.student_no, 17, "微信", "") for s in students])
    dry = import_payments(campaign=campaign, data=data, actor=coordinator, dry_run=True)
    assert dry.ok and dry.created == 3 and dry.total == Decimal("51.00") and _paid() == 0
    import_payments(campaign=campaign, data=data, actor=coordinator)
    again = import_payments(campaign=campaign, data=data, actor=coordinator, dry_run=True)
    assert again.ok and again.created == 0 and again.replayed == 3 and _paid() == 3
