import pytest
from django.urls import reverse

from accounts.models import Role
from notifications.services import notify
from sessions_app.models import Student
from tests.factories import make_campaign, make_student, make_user

pytestmark = pytest.mark.django_db


def test_message_sent_before_activation_shows_after_login(client):
    campaign = make_campaign()
    student = make_student(campaign)
    notify(
        recipient=student,
        kind="k",
        subject=campaign,
        step="1",
        code="test.plain",
        data={"title": "明天采集", "body": "带身份证"},
    )
    notify(
        recipient=student,
        kind="k",
        subject=campaign,
        step="2",
        code="test.plain",
        data={"title": "只发短信", "body": "x"},
        channels=("sms",),
    )
    user = make_user(Role.STUDENT)
    Student.objects.filter(pk=student.pk).update(user=user)
    client.force_login(user)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "明天采集" in page and "带身份证" in page and "未读" in page
    assert "只发短信" not in page
    client.post(reverse("notifications:mark_all_read"))
    assert "未读</span>" not in client.get(reverse("notifications:inbox")).content.decode()


def test_nobody_sees_someone_elses_messages(client):
    campaign = make_campaign()
    student = make_student(campaign, user=make_user(Role.STUDENT))
    notify(
        recipient=student,
        kind="k",
        subject=campaign,
        step="1",
        code="test.plain",
        data={"title": "私人消息", "body": "x"},
    )
    client.force_login(make_user(Role.STUDENT))
    assert "私人消息" not in client.get(reverse("notifications:inbox")).content.decode()
    client.force_login(make_user(Role.STAFF))
    assert "私人消息" not in client.get(reverse("notifications:inbox")).content.decode()


def test_inbox_constant_queries(client, django_assert_max_num_queries):
    campaign = make_campaign()
    user = make_user(Role.COORDINATOR)
    client.force_login(user)
    for i in range(3):
        notify(
            recipient=user,
            kind="k",
            subject=campaign,
            step=str(i),
            code="test.plain",
            data={"title": f"t{i}", "body": "b"},
        )
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("notifications:inbox"))
    for i in range(3, 40):
        notify(
            recipient=user,
            kind="k",
            subject=campaign,
            step=str(i),
            code="test.plain",
            data={"title": f"t{i}", "body": "b"},
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("notifications:inbox"))


def test_links_in_messages_are_tappable_and_nothing_else_becomes_markup(client):
    user = make_user(Role.STUDENT)
    notify(
        recipient=user,
        kind="k",
        subject=user,
        step="1",
        code="test.plain",
        data={"title": "去学信网核对", "body": "请登录 https://xjxl.chsi.com.cn 核对。<b>不是粗体</b>"},
    )
    client.force_login(user)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert '<a href="https://xjxl.chsi.com.cn" rel="nofollow">https://xjxl.chsi.com.cn</a>' in page
    assert "&lt;b&gt;不是粗体&lt;/b&gt;" in page and "<b>不是粗体</b>" not in page
