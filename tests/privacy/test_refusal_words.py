"""PrivacyError is raised by its code and worded when read (privacy.refusals); the erasure job
stores the code and params, so its page says which campaign is still open, in the reader's words."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from django.utils import translation

from accounts.models import Role
from jobs import selectors
from jobs.models import Job, JobStatus
from jobs.services import start_job
from privacy import services
from privacy.models import ERASE_KIND
from retakes.models import Status
from tests.factories import make_campaign, make_user

CJK = re.compile(r"[\u3400-\u9fff]")


def test_privacy_error_is_worded_from_its_params_in_both_languages():
    erased = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).isoformat()
    errors = {
        "open_fee_balance": services.PrivacyError.of("open_fee_balance", balance="17.00"),
        "open_fee_credit": services.PrivacyError.of("open_fee_credit", balance="-5.00"),
        "open_retake": services.PrivacyError.of("open_retake", status=Status.RETURNED),
        "already_erased": services.PrivacyError.of("already_erased", when=erased),
    }
    with translation.override("zh-hans"):
        assert errors["open_fee_balance"].message == "该学生还欠费 ¥17.00，结清或减免后才能删除"
        assert errors["open_fee_credit"].message == "学校还应退还该学生 ¥5.00，退费后才能删除"
        assert (
            errors["open_retake"].message == "该学生的补拍申请尚未结束（已退回，需重新提交照片），完成或撤销后才能删除"
        )
        assert errors["already_erased"].message == "该学生的个人信息已于 2026年9月1日 10:00 删除"
    with translation.override("en"):
        english = {code: error.message for code, error in errors.items()}
    assert english["open_fee_balance"] == "This student still owes ¥17.00; settle or waive it before erasing"
    assert "¥5.00" in english["open_fee_credit"] and "10:00" in english["already_erased"]
    assert not any(CJK.search(words) for words in english.values()), english


@pytest.mark.django_db
def test_the_erasure_job_s_page_says_which_campaign_is_not_closed():
    campaign = make_campaign(name="在读批次")  # in progress: not erasable
    owner = make_user(Role.STAFF)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = start_job(kind=ERASE_KIND, key=f"erase:{campaign.pk}", owner=owner, params={"campaign_id": campaign.pk})
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED and job.error_code == "campaign_not_closed"
    assert job.errors == [{"code": "campaign_not_closed", "params": {"campaign": campaign.code, "name": "在读批次"}}]
    with translation.override("zh-hans"):
        assert selectors.failure_message(job) == "采集批次“在读批次”尚未结束，不能删除其个人信息"
    with translation.override("en"):
        assert (
            selectors.failure_message(job)
            == 'The campaign "在读批次" has not closed yet; its personal data cannot be erased'
        )
