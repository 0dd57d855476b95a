"""Every send to many people says what it will do and asks first; a closed campaign sends nothing."""

import datetime
import re

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from capture_day.code_reminders import CodeReminderError, remind_unbound
from capture_day.jobkinds import start_remind_unbound
from jobs.models import Job, JobStatus
from notifications.models import Notification
from notifications.tasks import send_reminders_all
from sessions_app.models import Phase
from sessions_app.phases import CampaignClosed
from tests.factories import make_user
from tests.jobs_support import start_from_page
from verification import reminders

from .conftest import capture

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def captured_days_ago(student, days):
    return capture(student, on=timezone.localdate() - datetime.timedelta(days=days))


@pytest.fixture
def coordinator(college):
    user = make_user(Role.COORDINATOR)
    user.colleges.add(college)
    return user


def test_the_staff_reminder_run_shows_the_steps_due_and_the_message_before_sending(client, campaign, student_factory):
    for name in ("甲", "乙"):
        captured_days_ago(student_factory(name=name, phone="13800000000"), 26)  # 40-day window: d-14 today
    captured_days_ago(student_factory(name="逾期"), 45)
    client.force_login(make_user(Role.STAFF))
    url = reverse("verification:send_reminders") + f"?campaign={campaign.code}"

    page = text(client.post(url))
    assert "将向 3 人发送消息" in page
    assert "截止前 14 天：2 人" in page and "已逾期：1 人" in page
    assert "网上校对提醒" in page and "站内消息、邮件、短信" in page
    assert "登录 https://xjxl.chsi.com.cn 核对照片和本人学籍信息并确认" in page  # one message in full
    assert not Notification.objects.exists() and not Job.objects.exists()

    job = Job.objects.get(pk=start_from_page(client, url, {"confirm": "1"}))
    assert job.status == JobStatus.DONE and job.counts["sent"] == 3
    assert Notification.objects.count() == 3


def test_with_no_step_due_it_says_why_and_when_the_next_one_is(client, campaign, student_factory):
    captured_days_ago(student_factory(name="刚采集"), 1)  # due in 39 days: d-14 falls in 25 days
    client.force_login(make_user(Role.STAFF))
    url = reverse("verification:send_reminders") + f"?campaign={campaign.code}"
    page = text(client.post(url, {"confirm": "1"}))
    next_day = timezone.localdate() + datetime.timedelta(days=25)
    assert "现在没有要发送的消息" in page and "今天没有到期的提醒步骤" in page
    assert f"下一次是 {next_day.year}年{next_day.month}月{next_day.day}日 的“截止前 14 天”提醒" in page
    assert "确认发送" not in page
    assert not Job.objects.exists() and not Notification.objects.exists()


def test_remind_now_shows_the_count_and_message_then_runs_as_a_job(client, campaign, student_factory, coordinator):
    for name in ("一", "二"):
        captured_days_ago(student_factory(name=name), 10)
    client.force_login(coordinator)
    list_page = client.get(reverse("verification:unconfirmed"), {"campaign": campaign.code}).content.decode()
    assert "现在提醒这 2 名学生…" in list_page
    url = reverse("verification:remind_unconfirmed") + f"?campaign={campaign.code}"

    page = text(client.post(url, {"college": ""}))
    assert "将向 2 人发送消息" in page and "网上校对提醒" in page and "还剩 30 天" in page
    assert "确认发送给 2 人" in page
    assert not Notification.objects.exists()

    job = Job.objects.get(pk=start_from_page(client, url, {"confirm": "1"}))
    assert job.kind == "verification.remind_now" and job.counts == {"sent": 2}
    assert Notification.objects.count() == 2
    again = text(client.post(url))
    assert "今天已收到提醒的 2 名学生不再重复" in again and "确认发送" not in again


def test_the_collection_code_reminder_asks_first(client, world):  # noqa: F811
    client.force_login(world.coordinator)
    url = reverse("capture_day:unbound_codes") + f"?campaign={world.campaign.code}"
    page = text(client.post(url))
    assert "将向 2 人发送消息" in page and "请在采集前绑定学信网采集码" in page
    assert not Notification.objects.exists()
    job = Job.objects.get(pk=start_from_page(client, url, {"confirm": "1"}))
    assert job.kind == "capture_day.remind_unbound" and job.counts == {"sent": 2}
    assert Notification.objects.filter(kind="collection_code_bind").count() == 2


@pytest.fixture
def closed(campaign, student_factory):
    captured_days_ago(student_factory(name="往届"), 400)
    campaign.phase_override = Phase.CLOSED
    campaign.save(update_fields=["phase_override"])
    return campaign


def test_a_closed_campaign_refuses_every_reminder_and_says_why(client, closed, coordinator):
    client.force_login(make_user(Role.STAFF))
    page = text(client.post(reverse("verification:send_reminders") + f"?campaign={closed.code}", follow=True))
    assert "已结束" in page and "不再向任何人发送提醒或群发消息" in page
    client.force_login(coordinator)
    url = reverse("verification:remind_unconfirmed") + f"?campaign={closed.code}"
    assert "不再向任何人发送提醒" in text(client.post(url, {"confirm": "1"}, follow=True))

    for send in (reminders.send_verification_reminders, reminders.send_slot_reminders, reminders.send_overdue_digests):
        with pytest.raises(CampaignClosed):
            send(campaign=closed)
    assert send_reminders_all(hour=9) == 0  # the daily beat leaves it out
    assert not Notification.objects.exists() and not Job.objects.exists()


def test_a_closed_campaign_sends_no_collection_code_reminder(world):  # noqa: F811
    world.campaign.phase_override = Phase.CLOSED
    world.campaign.save(update_fields=["phase_override"])
    with pytest.raises(CodeReminderError) as refused:
        remind_unbound(campaign=world.campaign, actor=world.coordinator)
    assert refused.value.code == "campaign_closed"
    assert not Notification.objects.exists()


def test_a_campaign_past_its_last_deadline_is_closed_by_its_dates(campaign, student_factory):
    campaign.phase_override = ""
    campaign.save(update_fields=["phase_override"])  # shot 2020-11-26, remittance due 2020-11-30
    with pytest.raises(CampaignClosed):
        reminders.send_verification_reminders(campaign=campaign, today=datetime.date(2021, 1, 6))
    assert reminders.send_verification_reminders(campaign=campaign, today=datetime.date(2021, 1, 5)).total == 0


def test_a_code_reminder_confirmed_after_the_campaign_closed_sends_nothing(client, world):  # noqa: F811
    client.force_login(world.coordinator)
    url = reverse("capture_day:unbound_codes") + f"?campaign={world.campaign.code}"
    assert "确认发送给 2 人" in text(client.post(url))
    world.campaign.phase_override = Phase.CLOSED  # closed while the confirmation was open
    world.campaign.save(update_fields=["phase_override"])
    refused = text(client.post(url, {"confirm": "1"}, follow=True))
    assert "已结束" in refused and not Job.objects.exists()
    # ... and a job queued just before it closed checks again when it runs.
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = start_remind_unbound(campaign=world.campaign, user=world.coordinator, college_id=None, class_name=None)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.errors == [
        {"code": "campaign_closed", "params": {"name": world.campaign.name, "campaign": world.campaign.code}}
    ]
    page = text(client.get(reverse("jobs:detail", args=[job.pk])))
    assert "已结束（已过最后一个截止日期" in page
    assert not Notification.objects.exists()
