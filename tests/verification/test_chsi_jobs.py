"""A CHSI status file above IMPORT_BACKGROUND_ROWS is checked, then imported, by background jobs."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from jobs.models import Job, JobStatus
from tests.factories import make_user
from verification.models import VerificationRecord

from .conftest import capture
from .test_chsi_import import xlsx

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


@pytest.fixture
def captured(campaign, student_factory, settings):
    settings.IMPORT_BACKGROUND_ROWS = 3
    students = [student_factory() for _ in range(3)]
    for s in students:
        capture(s, on=DAY)
    return students


def _job(response) -> Job:
    assert response.status_code == 302, response
    return Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def _confirmed(student):
    return VerificationRecord.objects.get(student=student, is_active=True).confirmed_at is not None


def test_a_large_chsi_file_is_checked_then_imported_as_jobs(client, campaign, captured, settings):
    a, b, c = captured
    client.force_login(make_user(Role.STAFF))
    data = xlsx(
        [
            ["学号", "校对状态"],
            [a.student_no, "正确"],
            [b.student_no, "已确认"],
            [c.student_no, "未校对"],
            ["99", "正确"],
        ]
    )
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("学信网.xlsx", data)})
    check = _job(response)
    assert check.kind == "verification.chsi_check" and check.status == JobStatus.DONE
    assert check.counts["confirm"] == 2 and check.counts["unchanged"] == 1 and check.counts["unmatched"] == 1
    assert not _confirmed(a)  # a check writes nothing
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "标记为已确认：<strong>2</strong>" in page and "99 不在本批次名单中，不会导入" in page
    confirm = reverse("verification:import_confirm_job", args=[check.pk])
    assert confirm in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(confirm)
    done = _job(response)
    assert done.kind == "verification.chsi_import" and done.status == JobStatus.DONE and done.counts["confirm"] == 2
    assert _confirmed(a) and _confirmed(b) and not _confirmed(c)
    assert not list((Path(settings.MEDIA_ROOT) / "intake" / "chsi").iterdir())
    # The file is gone: confirming again imports nothing a second time.
    again = client.post(confirm)
    assert again.status_code == 302 and again["Location"] == reverse("verification:import")
    assert Job.objects.filter(kind="verification.chsi_import").count() == 1


def test_a_large_chsi_file_with_a_bad_row_is_refused_whole(client, campaign, captured):
    a, b, c = captured
    client.force_login(make_user(Role.STAFF))
    data = xlsx(
        [
            ["学号", "校对状态"],
            [a.student_no, "正确"],
            [b.student_no, "大概吧"],
            [c.student_no, "未校对"],
            ["9", "正确"],
        ]
    )
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("学信网.xlsx", data)})
    job = _job(response)
    assert job.status == JobStatus.FAILED and [(e["row"], e["code"]) for e in job.errors] == [(4, "status_unknown")]
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "未导入任何数据" in page and "大概吧" in page and "确认导入" not in page
    assert reverse("jobs:file", args=[job.pk]) in page
    assert not _confirmed(a)


def test_a_chsi_check_stores_codes_and_its_page_speaks_the_readers_language(client, campaign, captured):
    a, _b, _c = captured
    client.force_login(make_user(Role.STAFF))
    data = xlsx([["学号", "校对状态"], [a.student_no, "正确"], ["98", "正确"], ["99", "正确"], ["97", "未校对"]])
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("学信网.xlsx", data)})
    check = _job(response)
    assert check.status == JobStatus.DONE, (check.error_code, check.errors)
    unmatched = [e for e in check.errors if e["code"] == "student_unknown"]
    assert [e["params"] for e in unmatched] == [{"who": "98"}, {"who": "99"}, {"who": "97"}]
    assert all("message" not in e for e in check.errors)
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "98 不在本批次名单中，不会导入" in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "98 is not on this campaign&#x27;s roster; not imported" in page and "不会导入" not in page


def test_an_import_whose_worker_died_is_confirmed_by_a_new_click(client, campaign, captured):
    """The worker was killed during the import: the next "confirm" starts a fresh import, not the dead one."""
    a, b, c = captured
    client.force_login(make_user(Role.STAFF))
    data = xlsx([["学号", "校对状态"], [a.student_no, "正确"], [b.student_no, "已确认"], [c.student_no, "未校对"]])
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        check = _job(client.post(url, {"file": SimpleUploadedFile("学信网.xlsx", data)}))
    confirm = reverse("verification:import_confirm_job", args=[check.pk])
    with TestCase.captureOnCommitCallbacks(execute=False):  # the worker takes it and is killed -9
        dead = _job(client.post(confirm))
    past = timezone.now() - datetime.timedelta(seconds=1)
    Job.objects.filter(pk=dead.pk).update(status=JobStatus.RUNNING, started_at=past, lease_expires_at=past, attempts=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        fresh = _job(client.post(confirm))
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert dead.status == JobStatus.FAILED and dead.error_code == "lease_expired"
    assert fresh.pk != dead.pk and fresh.status == JobStatus.DONE and fresh.counts["confirm"] == 2
    assert _confirmed(a) and _confirmed(b) and not _confirmed(c)
