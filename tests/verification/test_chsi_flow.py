"""The CHSI status import's one flow (jobs.imports): a small file within the request, a large one
queued, one import per confirm, every bad row listed."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from jobs.models import Job, JobStatus
from tests.factories import make_user
from tests.import_flow import confirm, staged, upload
from verification.models import VerificationRecord

from .conftest import capture
from .test_chsi_import import xlsx

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


@pytest.fixture
def captured(campaign, student_factory, client):
    students = [student_factory() for _ in range(3)]
    for s in students:
        capture(s, on=DAY)
    client.force_login(make_user(Role.STAFF))
    return students


def _send(client, campaign, rows):
    url = reverse("verification:import") + f"?campaign={campaign.code}"
    return upload(client, url, xlsx([["学号", "校对状态"], *rows]), name="学信网.xlsx")


def _confirmed() -> int:
    return VerificationRecord.objects.filter(is_active=True, confirmed_at__isnull=False).count()


def test_a_small_chsi_file_goes_through_upload_preview_confirm_within_the_request(client, campaign, captured):
    a, b, _c = captured
    check, queued = _send(client, campaign, [[a.student_no, "正确"], [b.student_no, "已确认"], ["99", "正确"]])
    assert queued == 0 and check.kind == "verification.chsi_check" and check.status == JobStatus.DONE
    assert check.counts["confirm"] == 2 and check.counts["unmatched"] == 1 and _confirmed() == 0
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    url = reverse("verification:import_confirm_job", args=[check.pk])
    assert url in page and "将标记为已确认：<strong>2</strong>" in page and "99 不在本批次名单中，不会导入" in page

    imported, queued = confirm(client, url)
    assert queued == 0 and imported.kind == "verification.chsi_import" and imported.status == JobStatus.DONE
    assert _confirmed() == 2 and staged("chsi") == []


def test_a_large_chsi_file_is_queued_for_a_worker(client, campaign, captured, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    check, queued = _send(client, campaign, [[s.student_no, "正确"] for s in captured])
    assert queued == 1 and check.status == JobStatus.QUEUED and len(staged("chsi")) == 1 and _confirmed() == 0


def test_a_confirm_posted_twice_imports_once(client, campaign, captured):
    check, _ = _send(client, campaign, [[captured[0].student_no, "正确"]])
    url = reverse("verification:import_confirm_job", args=[check.pk])
    confirm(client, url)
    response = client.post(url, follow=True)
    assert "预览已过期" in response.content.decode()
    assert Job.objects.filter(kind="verification.chsi_import").count() == 1 and _confirmed() == 1


def test_a_refused_chsi_file_lists_every_bad_row(client, campaign, captured):
    a, b, c = captured
    check, queued = _send(client, campaign, [[a.student_no, "正确"], [b.student_no, "大概吧"], [c.student_no, "也许"]])
    assert queued == 0 and check.status == JobStatus.FAILED and check.error_code == "rejected"
    assert [(e["row"], e["code"]) for e in check.errors] == [(4, "status_unknown"), (5, "status_unknown")]
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "未导入任何数据" in page and "2 处错误" in page and "确认导入" not in page
    assert "大概吧" in page and "也许" in page and "第 4 行" in page and "第 5 行" in page
    assert _confirmed() == 0 and staged("chsi") == []
