"""The live demo: this year's campaign, made from the notice's, in the state of a capture day."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from demo.run import seed_demo
from demo.seed import DEMO_PASSWORD
from fees.models import Remittance
from notifications.models import Notification
from retakes.models import CheckStatus, RetakePhoto, RetakeRequest, Status
from sessions_app.campaigns import current_campaign
from sessions_app.models import Campaign, Capture, Phase, Slot, Student
from sessions_app.phases import campaign_phase
from verification.models import ProblemReport, ReportStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
# The demo is seeded as of TODAY and its pages count days from the clock: the clock is TODAY too,
# late in the morning: the demo places the slots so that the first two of each group are shot and the third runs.
ON_THE_DAY = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock_on_the_day():
    with time_machine.travel(ON_THE_DAY, tick=True):
        yield


@pytest.fixture
def demo():
    return seed_demo(size=0.06, today=TODAY)


def login(client, username):
    assert client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}).status_code == 302


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_last_year_is_kept_and_this_year_is_live_in_every_state(demo):
    old, new = Campaign.objects.get(code="2021"), demo.current.campaign
    assert new.code == "2027" and new.name == "2027届本科毕业生图像采集"
    assert campaign_phase(old) == Phase.CLOSED and campaign_phase(new) == Phase.LIVE
    assert current_campaign().pk == new.pk
    assert Slot.objects.filter(group__campaign=old, date=datetime.date(2020, 11, 26)).count() == 14
    assert Slot.objects.filter(group__campaign=new, date=TODAY).count() == 14
    assert new.fee_per_person == old.fee_per_person and new.remittance_deadline == TODAY + datetime.timedelta(days=4)

    campaign = new
    for group in campaign.groups.all():
        slots = list(group.slots.order_by("start_time"))
        assert all(Capture.objects.filter(slot=s).exists() for s in slots[:2]), group.name
        assert not any(Capture.objects.filter(slot=s).exists() for s in slots[2:]), group.name
    assert all(c.captured_at <= timezone.now() for c in Capture.objects.filter(campaign=campaign))
    assert Capture.objects.filter(campaign=campaign, undone_at__isnull=False).count() == 1

    short = Remittance.objects.get(campaign=campaign, college__name="经济管理学院")
    assert short.confirmation.received_amount == short.amount - campaign.fee_per_person
    waiting = Remittance.objects.get(campaign=campaign, college__name="国际商学院")
    assert not Remittance.objects.filter(pk=waiting.pk, confirmation__isnull=False).exists()
    statuses = set(ProblemReport.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == set(ReportStatus.values)
    retakes = set(RetakeRequest.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert retakes == set(Status.values)
    checks = set(RetakePhoto.objects.filter(request__campaign=campaign).values_list("check_status", flat=True))
    # One photo still waits for its check (the request in PHOTO_SUBMITTED).
    assert checks == {CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.PENDING}
    assert Notification.objects.filter(user__username="coord_cs", kind="remittance_due").exists()
    assert Notification.objects.filter(user__username="coord_cs", kind="verification_problem").exists()


def test_the_printed_students_see_a_live_day(client, demo):
    (captured_label, captured, _), (waiting_label, waiting, _) = demo.logins[-2:]
    assert "已采集" in captured_label and "待采集" in waiting_label
    login(client, captured)
    home = text(client.get("/"))
    assert "¥17.00" in home
    assert "还剩 40 天" in home and "已逾期" not in home
    assert Notification.objects.filter(student__user__username=captured, read_at__isnull=True).exists()

    client.logout()
    login(client, waiting)
    student = Student.objects.get(user__username=waiting)
    assert not Capture.objects.filter(student=student).exists()
    # At 10:00 金石滩第一组's third slot (the notice's 11:00-12:00) runs: moved to 09:30-10:30.
    assert student.assigned_slot.date == TODAY and "09:30-10:30" in text(client.get("/"))

    client.logout()
    s = demo.activation
    response = client.post(
        reverse("activation:activate"),
        {
            "student_no": s.student_no,
            "name": s.name,
            "id_number": s.id_number,
            "password1": "kaitong-2027",
            "password2": "kaitong-2027",
        },
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.user is not None


def test_command_prints_progress_and_logins_and_is_safe_to_run_twice(capsys):
    from django.core.management import call_command

    call_command("seed_demo", "--size", "0.03")
    out = capsys.readouterr().out
    assert out.count("… ") >= 8
    assert "用户名 coord_cs" in out and "身份证号" in out
    counts = (Student.objects.count(), Capture.objects.count(), RetakeRequest.objects.count())
    call_command("seed_demo", "--size", "0.03")
    again = capsys.readouterr().out
    assert "已存在" in again
    assert (Student.objects.count(), Capture.objects.count(), RetakeRequest.objects.count()) == counts
    assert out.split("演示账号：")[1] == again.split("演示账号：")[1]
