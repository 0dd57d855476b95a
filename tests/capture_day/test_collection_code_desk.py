"""采集码 at the desk and before it: a bound code swiped as the scanner types it; the unbound list
per college and class, in each role's scope; reminders, once a day."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from capture_day.code_reminders import CodeReminderError, remind_unbound
from capture_day.results import Outcome
from jobs.models import Job
from notifications.models import Notification
from sessions_app.collection_codes import CollectionCodeError, bind_collection_code, clear_collection_code, code_hash
from sessions_app.models import Capture, Student
from tests.factories import make_student
from tests.jobs_support import start_from_page
from tests.qr_images import PAYLOAD, saved_png

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
PAGE = reverse("capture_day:unbound_codes")


def test_a_code_bound_on_the_phone_is_matched_when_the_scanner_types_it(client, world):  # noqa: F811
    client.force_login(world.student_user)
    client.post(reverse("sessions_app:bind_code"), {"image": _file(saved_png())})
    client.force_login(world.operator)
    swipe = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    # A keyboard-wedge scanner ends with Enter; the payload may wrap.
    answer = client.post(swipe, {"code": PAYLOAD[:30] + "\r\n" + PAYLOAD[30:] + "\r\n"}, **JSON).json()
    assert answer["outcome"] == Outcome.CAPTURED and answer["student"]["name"] == "张三"
    capture = Capture.objects.get(student=world.econ_student)
    assert capture.method == "collection_code"
    # The same letters in another case are another code.
    assert client.post(swipe, {"code": PAYLOAD.lower()}, **JSON).json()["outcome"] == Outcome.NOT_FOUND


def test_staff_see_every_college_and_a_coordinator_only_theirs(client, world):  # noqa: F811
    client.force_login(world.staff)
    page = client.get(PAGE, {"campaign": world.campaign.code}).content.decode()
    # x_student (王五) came with a code from the roster: four of five are unbound.
    assert "未绑定 4 人，共 5 人" in page
    assert all(name in page for name in ("张三", "李四", "赵六", "钱七")) and "王五" not in page
    client.force_login(world.coordinator)
    page = client.get(PAGE, {"campaign": world.campaign.code}).content.decode()
    assert "未绑定 2 人，共 3 人" in page
    assert "张三" in page and "李四" in page and "赵六" not in page and "钱七" not in page
    assert "计算机1701" not in page and "土木1701" not in page
    client.force_login(world.student_user)
    assert client.get(PAGE, {"campaign": world.campaign.code}).status_code == 403


def test_the_unbound_list_reads_a_constant_number_of_queries(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.staff)
    client.get(PAGE, {"campaign": world.campaign.code})
    with django_assert_max_num_queries(20) as few:
        client.get(PAGE, {"campaign": world.campaign.code})
    for i in range(60):
        make_student(world.campaign, world.cs, class_name=f"计算机{1800 + i % 20}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(PAGE, {"campaign": world.campaign.code}).content.decode()
    assert page.count("<tr data-class=") >= 23


def test_reminding_twice_the_same_day_sends_once(client, world):  # noqa: F811
    client.force_login(world.coordinator)
    with time_machine.travel(datetime.datetime(2020, 11, 20, 10, tzinfo=datetime.UTC), tick=False):
        job = Job.objects.get(pk=start_from_page(client, PAGE + f"?campaign={world.campaign.code}", {"confirm": "1"}))
        assert job.counts == {"sent": 2}
        again = client.post(PAGE + f"?campaign={world.campaign.code}").content.decode()
        assert "今天已提醒过" in again and "确认发送" not in again
    reminded = Notification.objects.filter(kind="collection_code_bind")
    assert sorted(reminded.values_list("student__name", flat=True)) == ["张三", "李四"]
    message = reminded.first()
    assert message.title == "请在采集前绑定学信网采集码"
    assert "长按保存原图" in message.body and reverse("sessions_app:bind_code") in message.body
    with time_machine.travel(datetime.datetime(2020, 11, 21, 10, tzinfo=datetime.UTC), tick=False):
        assert remind_unbound(campaign=world.campaign, actor=world.coordinator) == 2  # the next day: again
    assert AuditEvent.objects.filter(action="collection_code.remind").count() == 2  # the second click asked, sent none


def test_a_bound_student_is_not_reminded_and_one_class_can_be_reminded_alone(world):  # noqa: F811
    Student.objects.filter(pk=world.econ_student.pk).update(user=world.student_user)
    bind_collection_code(student=world.econ_student, payload=PAYLOAD, actor=world.student_user)
    sent = remind_unbound(campaign=world.campaign, actor=world.staff, college_id=world.econ.pk, class_name="经管1702")
    assert sent == 1
    assert list(Notification.objects.values_list("student__name", flat=True)) == ["李四"]


def test_a_coordinator_cannot_remind_another_college(client, world):  # noqa: F811
    with pytest.raises(CodeReminderError) as refused:
        remind_unbound(campaign=world.campaign, actor=world.coordinator, college_id=world.cs.pk)
    assert refused.value.code == "college_out_of_scope"
    client.force_login(world.coordinator)
    response = client.post(
        PAGE + f"?campaign={world.campaign.code}", {"college": world.cs.pk}, follow=True
    ).content.decode()
    assert "只能提醒本学院的学生" in response
    with pytest.raises(CodeReminderError) as refused:
        remind_unbound(campaign=world.campaign, actor=world.operator)
    assert refused.value.code == "not_allowed"
    assert not Notification.objects.exists()


def _file(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("code.png", data)


def test_staff_clear_a_wrongly_bound_code_so_its_owner_can_bind_it(client, world):  # noqa: F811
    holder = world.econ_student2
    Student.objects.filter(pk=holder.pk).update(collection_code_hash=code_hash(PAYLOAD))
    Student.objects.filter(pk=world.econ_student.pk).update(user=world.student_user)
    with pytest.raises(CollectionCodeError):
        bind_collection_code(student=world.econ_student, payload=PAYLOAD, actor=world.student_user)

    client.force_login(world.cs_coordinator)
    url = PAGE + f"?campaign={world.campaign.code}"
    assert client.post(url, {"clear": holder.pk, "reason": "x"}).status_code == 404  # not their college
    with pytest.raises(CollectionCodeError) as refused:
        clear_collection_code(student=holder, actor=world.cs_coordinator, reason="x")
    assert refused.value.code == "out_of_scope"

    client.force_login(world.coordinator)
    page = client.get(url).content.decode()
    assert f'name="clear" value="{holder.pk}"' in page
    assert "必须填写原因" in client.post(url, {"clear": holder.pk, "reason": " "}, follow=True).content.decode()
    done = client.post(url, {"clear": holder.pk, "reason": "绑定了同学的采集码"}, follow=True).content.decode()
    assert "已清除 李四 的采集码绑定" in done
    assert Student.objects.get(pk=holder.pk).collection_code_hash is None
    assert AuditEvent.objects.get(action="collection_code.clear").data["reason"] == "绑定了同学的采集码"
    bind_collection_code(student=world.econ_student, payload=PAYLOAD, actor=world.student_user)
    assert Student.objects.get(pk=world.econ_student.pk).collection_code_hash == code_hash(PAYLOAD)
