"""Notifications store a message code and data; the words are made when read or sent.

A reminder recorded while someone reads English is stored the same way, shown in Chinese or
English by the inbox reader's choice, sent by SMS in Chinese, and not sent again on a rerun.
"""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from accounts.models import Role
from notifications.messages import render
from notifications.models import Notification
from notifications.services import notify
from notifications.sms import LocmemSmsBackend
from tests.factories import make_campaign, make_college, make_student, make_user
from tests.verification.conftest import capture
from verification.models import ProblemType
from verification.notices import OVERDUE
from verification.reminders import send_overdue_digests, send_verification_reminders
from verification.services import report_problem

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff]")
DAY = datetime.date(2020, 11, 26)  # captured; verification due 2021-01-05 (40 days)


@pytest.fixture(autouse=True)
def _backends(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    settings.VERIFICATION_REMINDER_DAYS = [14, 7, 3, 1]
    LocmemSmsBackend.outbox = []


@pytest.fixture
def student():
    campaign = make_campaign(chsi_url="https://xjxl.chsi.com.cn")
    user = make_user(Role.STUDENT, username="s1")
    student = make_student(campaign, make_college("计算机科学与工程学院"), name="张三", phone="13800000001", user=user)
    capture(student, on=DAY)
    return student


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_a_reminder_is_a_code_and_data_read_in_the_readers_language(
    student, client, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        summary = send_verification_reminders(campaign=student.campaign, today=datetime.date(2020, 12, 22))
    assert dict(summary.counts) == {"d-14": 1}
    row = Notification.objects.get(student=student)
    assert row.code == "verification.due"
    assert row.data == {
        "name": "张三",
        "due": "2021-01-05",
        "url": "https://xjxl.chsi.com.cn",
        "left": 14,
        "captured": "2020-11-26",
    }
    # Sent at send time in the portal's language, whoever's request queued it.
    assert LocmemSmsBackend.outbox[0][1].count("2021年1月5日") == 2 and "还剩 14 天" in LocmemSmsBackend.outbox[0][1]

    client.force_login(student.user)
    chinese = client.get("/notifications/").content.decode()
    assert "请在 2021年1月5日 前到学信网核对图像信息（还剩 14 天）" in chinese
    _english(client)
    english = client.get("/notifications/").content.decode()
    assert "Please check your photo on CHSI by 5 Jan 2021 (14 days left)" in english
    assert "还剩" not in english

    # The unique key is untouched by the language: a rerun (in Chinese this time) adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = send_verification_reminders(campaign=student.campaign, today=datetime.date(2020, 12, 22))
    assert again.total == 0 and Notification.objects.count() == 1 and len(LocmemSmsBackend.outbox) == 1


def test_counts_in_english_messages_agree_with_the_number(student, django_capture_on_commit_callbacks):
    coordinator = make_user(Role.COORDINATOR, email="c@example.edu.cn")
    coordinator.colleges.add(student.college)
    with django_capture_on_commit_callbacks(execute=True):
        send_overdue_digests(campaign=student.campaign, today=datetime.date(2021, 1, 6))
    digest = Notification.objects.get(user=coordinator)
    assert digest.code == "verification.overdue_list" and digest.data["total"] == 1
    assert not CJK.search(json.dumps([digest.data["total"], digest.data["colleges"][0]["students"][0]["due"]]))
    with translation.override("en"):
        title, body = render(digest.code, digest.data)
    assert title == "Online verification overdue: 1 student has not confirmed"
    assert "计算机科学与工程学院: 1 student\n" in body and "5 Jan" in body
    assert mail.outbox[0].subject == "网上校对逾期名单：1 人未确认"  # the e-mail went out in Chinese


def test_a_problem_report_stores_the_type_code_not_its_label(student):
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(student.college)
    report_problem(student=student, problem_type=ProblemType.WRONG_DATA, description="名字错了", actor=student.user)
    told = Notification.objects.get(user=coordinator)
    assert told.code == "verification.problem_submitted"
    assert told.data == {"name": "张三", "no": student.student_no, "problem_type": "wrong_data", "text": "名字错了"}
    assert told.title == "张三 反馈网上校对问题：本人学籍信息有误"
    with translation.override("en"):
        title, _ = render(told.code, told.data)
    assert "张三" in title and not CJK.search(title.replace("张三", ""))


def test_an_unknown_code_or_broken_data_shows_a_plain_sentence_not_the_code_nor_an_error(student):
    notify(
        recipient=student,
        kind="k",
        subject=student.campaign,
        step="1",
        code=OVERDUE,
        data={"name": "张三", "due": "2021-01-05", "url": "https://xjxl.chsi.com.cn"},
    )
    row = Notification.objects.get()
    assert row.title == "网上校对已逾期：请立即登录学信网核对图像信息" and "张三同学" in row.body
    Notification.objects.filter(pk=row.pk).update(code="verification.due", data={"name": "x"})
    row = Notification.objects.get()
    assert (row.title, row.body) == ("这条内容暂时无法显示：请联系教务处", "")
    with pytest.raises(ValueError):
        notify(recipient=student, kind="k", subject=student.campaign, step="2", code="no.such", data={})
    with pytest.raises(TypeError):
        notify(recipient=student, kind="k", subject=student.campaign, step="3", code=OVERDUE, data={"when": DAY})


def test_the_admin_shows_the_rendered_words(student, client):
    notify(
        recipient=student,
        kind="k",
        subject=student.campaign,
        step="1",
        code="verification.overdue",
        data={"name": "张三", "due": "2021-01-05", "url": "https://xjxl.chsi.com.cn"},
    )
    client.force_login(make_user(Role.STAFF, is_staff=True, is_superuser=True))
    listing = client.get("/admin/notifications/notification/").content.decode()
    assert "网上校对已逾期：请立即登录学信网核对图像信息" in listing
    row = Notification.objects.get()
    detail = client.get(f"/admin/notifications/notification/{row.pk}/change/").content.decode()
    assert "你的网上校对截止日期 2021年1月5日 已过" in detail
