"""The pages that start background jobs: every export, and a reminder run."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from capture_day.services import check_in
from jobs.models import Job, JobStatus
from notifications.models import Notification
from sessions_app.services import refresh_slot_assignments
from tests.factories import (
    make_audience,
    make_campaign,
    make_college,
    make_desk_operator,
    make_slot,
    make_student,
    make_user,
)
from tests.jobs_support import export_file, start_from_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured():
    campaign = make_campaign()
    college = make_college("经济管理学院")
    # Captured 30 days ago (on that slot's day): with a 40-day window the 14-day reminder is due today.
    then = timezone.now() - datetime.timedelta(days=30)
    slot = make_slot(campaign, date=timezone.localdate(then))
    make_audience(slot, college=college)
    students = [make_student(campaign, college) for _ in range(3)]
    refresh_slot_assignments(campaign=campaign)
    operator = make_desk_operator(slot)
    for student in students:
        check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator, now=then)
    return campaign, college, students


@pytest.mark.parametrize("name", ["roster", "attendance", "fees", "verification", "retakes", "shots"])
def test_every_export_runs_as_a_job_and_is_downloaded_from_its_page(client, captured, name):
    campaign, *_ = captured
    client.force_login(make_user(Role.STAFF))
    html, response = export_file(client, name, campaign.code)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    job = Job.objects.get()
    assert job.kind == "export" and job.params == {"name": name, "campaign_id": campaign.pk}
    assert job.file_name.endswith(f"-{campaign.code}.xlsx") and job.file_name in html


def test_a_second_click_while_an_export_is_queued_lands_on_the_same_job(client, captured):
    campaign, *_ = captured
    client.force_login(make_user(Role.STAFF))
    url = reverse("export", args=["roster"]) + f"?campaign={campaign.code}"
    # Without running the queued job (a busy worker), the second click finds it.
    first = client.post(url)
    second = client.post(url)
    assert first["Location"] == second["Location"] and Job.objects.count() == 1
    page = client.get(url).content.decode()
    assert "正在生成" in page and first["Location"] in page


def test_each_coordinator_gets_their_own_export(client, captured):
    campaign, college, _ = captured
    urls = []
    for _ in range(2):
        coordinator = make_user(Role.COORDINATOR)
        coordinator.colleges.add(college)
        client.force_login(coordinator)
        urls.append(client.post(reverse("export", args=["roster"]) + f"?campaign={campaign.code}")["Location"])
    assert urls[0] != urls[1]


def test_staff_start_a_reminder_run_from_the_verification_page(client, captured):
    campaign, _college, students = captured
    staff = make_user(Role.STAFF)
    client.force_login(staff)
    page = client.get(reverse("verification:index"), {"campaign": campaign.code}).content.decode()
    assert reverse("verification:send_reminders") in page and "按提醒计划发送今天到期的提醒" in page
    url = reverse("verification:send_reminders") + f"?campaign={campaign.code}"
    assert "确认发送给 3 人" in client.post(url).content.decode()  # asked first
    assert not Job.objects.exists()
    job_id = start_from_page(client, url, {"confirm": "1"})
    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.DONE and job.kind == "verification.reminders"
    sent = Notification.objects.filter(student__in=students).count()
    assert sent == 3 and job.counts["sent"] == 3 and job.counts["d-14"] == 3
    html = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert "共发送提醒：<strong>3</strong>" in html and "截止前 14 天提醒：<strong>3</strong>" in html
    # The next run finds nothing new to send, and says so instead of starting.
    again = client.post(url, {"confirm": "1"}).content.decode()
    assert "今天没有到期的提醒步骤" in again and Job.objects.count() == 1


def test_a_reminder_run_is_for_staff_only(client, captured):
    campaign, college, _ = captured
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    assert client.post(reverse("verification:send_reminders") + f"?campaign={campaign.code}").status_code == 403
    assert "按提醒计划发送" not in client.get(reverse("verification:index")).content.decode()
    assert Job.objects.count() == 0
