"""A payment import above IMPORT_BACKGROUND_ROWS is checked, then posted, by background jobs."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fees import jobkinds
from fees.models import FeeAccount
from jobs.models import Job, JobStatus
from jobs.services import run_job
from tests.factories import make_student

from .conftest import capture, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def students(campaign, college, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2  # the rule, on a file small enough for a quick test
    made = [make_student(campaign, college) for _ in range(3)]
    for s in made:
        capture(s)
    return made


def _staged(settings):
    directory = Path(settings.MEDIA_ROOT) / "intake" / "payments"
    return list(directory.iterdir()) if directory.is_dir() else []


def _post(client, campaign, data):
    return client.post(
        reverse("fees:import"), {"campaign": campaign.code, "file": SimpleUploadedFile("缴费.xlsx", data)}
    )


def test_a_large_payment_file_is_checked_then_posted_by_jobs_once(client, campaign, students, coordinator, settings):
    client.force_login(coordinator)
    data = xlsx([(s.student_no, 17, "微信", "") for s in students])
    # Queued (a busy worker): the same file sent again lands on the same check.
    with TestCase.captureOnCommitCallbacks() as queued:
        first = _post(client, campaign, data)
        second = _post(client, campaign, data)
    assert first.status_code == 302 and first["Location"] == second["Location"]
    check = Job.objects.get()
    assert check.kind == "fees.payment_check" and check.status == JobStatus.QUEUED and len(_staged(settings)) == 1
    assert len(queued) == 1
    for callback in queued:
        callback()
    check.refresh_from_db()
    assert check.status == JobStatus.DONE and check.counts == {"rows": 3, "created": 3, "replayed": 0, "total": "51.00"}
    assert FeeAccount.objects.filter(paid__gt=0).count() == 0  # the check is a dry run
    page = client.get(first["Location"]).content.decode()
    assert "将新登记（笔）：<strong>3</strong>" in page and "将新登记金额合计（元）：<strong>51.00</strong>" in page
    confirm = reverse("fees:import_confirm_job", args=[check.pk])
    assert confirm in page and "确认导入（新登记 3 笔，共 ¥51.00，已登记过的 0 笔未重复入账）" in page

    with TestCase.captureOnCommitCallbacks() as queued:
        imported = client.post(confirm)
        assert client.post(confirm)["Location"] == imported["Location"]  # a second click lands on it
    assert len(queued) == 1
    for callback in queued:
        callback()
    job = Job.objects.get(kind="fees.payment_import")
    assert job.status == JobStatus.DONE and job.counts == {"rows": 3, "created": 3, "replayed": 0, "total": "51.00"}
    assert all(FeeAccount.objects.get(student=s).paid == Decimal("17.00") for s in students)
    page = client.get(imported["Location"]).content.decode()
    assert "新登记（笔）：<strong>3</strong>" in page and "新登记金额合计（元）：<strong>51.00</strong>" in page
    assert _staged(settings) == []
    # Once it is over the same file may be sent again: a new check, which would post nothing new.
    again = Job.objects.get(pk=_rerun(client, campaign, data))
    assert again.pk != check.pk and again.counts["created"] == 0 and again.counts["replayed"] == 3


def _rerun(client, campaign, data) -> int:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _post(client, campaign, data)
    return int(response["Location"].strip("/").split("/")[-1])


def test_a_large_payment_file_with_a_bad_row_posts_nothing(client, campaign, students, coordinator, settings):
    client.force_login(coordinator)
    a, b, c = students
    data = xlsx([(a.student_no, 17, "微信", ""), (b.student_no, "十七", "现金", ""), (c.student_no, 17, "刷脸", "")])
    job = Job.objects.get(pk=_rerun(client, campaign, data))
    assert job.status == JobStatus.FAILED and job.error_code == "rejected"
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "金额"), (4, "方式")]
    assert job.errors[1]["code"] == "method_unknown"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "未导入任何数据" in page and "第 3 行，金额 列：" in page and "第 4 行，方式 列：" in page
    download = client.get(reverse("jobs:file", args=[job.pk]))
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [3, 4]
    assert FeeAccount.objects.filter(paid__gt=0).count() == 0 and _staged(settings) == []


def test_a_rejected_payment_job_stores_codes_and_shows_them_in_the_readers_language(
    client, campaign, students, coordinator
):
    client.force_login(coordinator)
    data = xlsx(
        [(students[0].student_no, 17, "微信", ""), ("99", 17, "现金", ""), (students[1].student_no, "abc", "现金", "")]
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _post(client, campaign, data)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert [(e["row"], e["code"], e["params"]) for e in job.errors] == [
        (3, "student_unknown", {"no": "99"}),
        (4, "amount_invalid", {"value": "abc"}),
    ] or [(e["row"], e["code"], e["params"]) for e in job.errors] == [
        (4, "amount_invalid", {"value": "abc"}),
        (3, "student_unknown", {"no": "99"}),
    ]
    assert all("message" not in e for e in job.errors)
    page = client.get(response["Location"]).content.decode()
    assert "在你负责的学院中没有学号 99" in page and "金额“abc”不是有效的数字" in page
    client.cookies["django_language"] = "en"
    page = client.get(response["Location"]).content.decode()
    assert "No student number 99 in the colleges you coordinate" in page
    assert "The amount “abc” is not a valid number" in page and "不是有效的数字" not in page
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("jobs:file", args=[job.pk])).streaming_content)))
    reasons = [r[1] for r in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert any("No student number 99" in r for r in reasons) and any("not a valid number" in r for r in reasons)


def test_a_database_gone_mid_import_keeps_the_file_for_the_resumed_run_which_posts_once(
    client, campaign, students, coordinator, settings, monkeypatch
):
    """The file was deleted on the way out of any error, so the run that resumed the job found
    nothing to import and the job failed as "file expired" after a database blink."""
    client.force_login(coordinator)
    data = xlsx([(s.student_no, 17, "微信", "") for s in students])
    check = Job.objects.get(pk=_rerun(client, campaign, data))
    assert check.status == JobStatus.DONE
    with TestCase.captureOnCommitCallbacks():  # the import job is queued, not run
        client.post(reverse("fees:import_confirm_job", args=[check.pk]))
    job = Job.objects.get(kind="fees.payment_import")
    real_import = jobkinds.import_payments

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(jobkinds, "import_payments", database_gone)
    with pytest.raises(OperationalError):
        run_job(job_id=job.pk)
    assert len(_staged(settings)) == 1  # kept for the resumed run
    monkeypatch.setattr(jobkinds, "import_payments", real_import)
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert run_job(job_id=job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.counts == {"rows": 3, "created": 3, "replayed": 0, "total": "51.00"} and job.attempts == 2
    assert all(FeeAccount.objects.get(student=s).paid == Decimal("17.00") for s in students)
    assert _staged(settings) == []  # gone once the import said its last word
