"""One student's data erased on request (PIPL art. 47), the privacy notice and the student's download."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from fees.models import FeeAccount
from privacy import services
from retakes.models import Channel, Reason, RetakeRequest, Status
from sessions_app.models import Student
from tests.factories import make_campaign, make_student, make_user
from verification.models import ProblemReport, ProblemType, ReportStatus

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def student():
    campaign = make_campaign(retention_days=90)
    user = make_user(Role.STUDENT, phone="13900001111")
    return make_student(campaign, user=user, phone="13812345678", email="a@example.com", collection_code="X-CODE-1")


@pytest.fixture
def staff():
    return make_user(Role.STAFF)


def test_staff_erase_a_student_with_a_reason_and_it_is_audited(client, student, staff):
    number = student.id_number
    ProblemReport.objects.create(
        campaign=student.campaign,
        student=student,
        problem_type=ProblemType.WRONG_DATA,
        description="我的手机 13812345678",
        status=ReportStatus.SUBMITTED,
    )
    client.force_login(staff)
    page = client.get(reverse("sessions_app:student_detail", args=[student.pk]))
    assert "按本人申请删除个人信息" in text(page)

    response = client.post(reverse("privacy:erase_student", args=[student.pk]), {"reason": "本人书面申请"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "已删除" in text(page) and "个人信息已于" in text(page)
    assert student.masked_id in text(page)  # the masked form stays for display

    student.refresh_from_db()
    assert (student.id_number, student.phone, student.email, student.collection_code_hash) == ("", "", "", None)
    assert student.masked_id == number[:6] + "********" + number[-4:]
    assert student.user.phone == ""
    assert not student.user.is_active and not student.user.has_usable_password()  # the login ends too
    assert ProblemReport.objects.get(student=student).description == ""
    event = AuditEvent.objects.get(action="privacy.student_erased")
    assert event.actor == staff and event.data["reason"] == "本人书面申请" and event.data["counts"]["id_numbers"] == 1
    assert number not in json.dumps(event.data)


@pytest.mark.parametrize(
    ("balance", "code", "words"),
    [
        (Decimal("17.00"), "open_fee_balance", "还欠费 ¥17.00"),
        (Decimal("-5.00"), "open_fee_credit", "应退还该学生 ¥5.00"),
    ],
)
def test_an_open_fee_balance_forbids_it_and_says_so(client, student, staff, balance, code, words):
    FeeAccount.objects.create(campaign=student.campaign, student=student, charged=Decimal("17.00"), balance=balance)
    with pytest.raises(services.PrivacyError) as refused:
        services.erase_student(student=student, actor=staff, reason="本人申请")
    assert refused.value.code == code
    client.force_login(staff)
    page = client.post(reverse("privacy:erase_student", args=[student.pk]), {"reason": "本人申请"})
    assert page.status_code == 200 and words in text(page)
    assert Student.objects.get(pk=student.pk).id_number == student.id_number


def test_an_open_retake_forbids_it_and_says_which(client, student, staff):
    RetakeRequest.objects.create(
        campaign=student.campaign,
        student=student,
        reason=Reason.MISSED_SHOOT,
        channel=Channel.CENTRAL,
        status=Status.RETURNED,
        created_by=staff,
    )
    client.force_login(staff)
    page = client.post(reverse("privacy:erase_student", args=[student.pk]), {"reason": "本人申请"})
    assert "补拍申请尚未结束（已退回，需重新提交照片）" in text(page)
    assert Student.objects.get(pk=student.pk).erased_at is None


def test_only_staff_may_and_a_reason_is_required(student, staff):
    counselor = make_user(Role.COUNSELOR)
    with pytest.raises(services.PrivacyError) as refused:
        services.erase_student(student=student, actor=counselor, reason="x")
    assert refused.value.code == "staff_only"
    with pytest.raises(services.PrivacyError) as refused:
        services.erase_student(student=student, actor=staff, reason="  ")
    assert refused.value.code == "reason_missing"
    services.erase_student(student=student, actor=staff, reason="本人申请")
    with pytest.raises(services.PrivacyError) as refused:
        services.erase_student(student=student, actor=staff, reason="本人申请")
    assert refused.value.code == "already_erased"
    assert AuditEvent.objects.filter(action="privacy.student_erased").count() == 1


def test_the_notice_tells_a_student_how_long_and_they_download_their_data(client, student):
    client.force_login(student.user)
    home = client.get(reverse("home"), follow=True)
    assert reverse("privacy:notice") in home.content.decode()
    page = text(client.get(reverse("privacy:notice")))
    # The factory's campaign: captured 2020-11-26, 40 days to verify, remitted by 2020-11-30; + 90 days.
    assert "保留到最后一个截止日期（2021年1月5日）之后 90 天，即 2021年4月5日 起删除" in page
    assert "谁能看到" in page and "下载我的信息" in page

    download = client.get(reverse("privacy:my_data"))
    assert download["Content-Disposition"].startswith("attachment")
    data = json.loads(download.content)
    assert data["student"]["id_number"] == student.id_number
    assert data["student"]["phone"] == "13812345678"
    assert data["campaign"]["code"] == student.campaign.code


def test_staff_read_every_campaigns_retention_on_the_notice(client, student, staff):
    client.force_login(staff)
    page = text(client.get(reverse("privacy:notice")))
    assert student.campaign.name in page and "90 天" in page
    assert client.get(reverse("privacy:my_data")).status_code == 404


def test_a_returning_students_account_stays_open_for_the_roster_that_still_holds_them(student, staff):
    later = make_campaign()
    make_student(later, student_no=student.student_no, name=student.name)  # on next year's roster
    services.erase_student(student=student, actor=staff, reason="本人书面申请")
    student.user.refresh_from_db()
    assert student.user.is_active and student.user.phone == ""
