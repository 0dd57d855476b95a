import datetime

import pytest
from django.core import mail

from accounts.models import Role
from notifications.models import Delivery, Notification
from notifications.sms import LocmemSmsBackend
from sessions_app.models import Student
from tests.factories import make_slot, make_user
from verification.reminders import send_overdue_digests, send_slot_reminders, send_verification_reminders
from verification.services import confirm_verification

from .conftest import capture

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)  # due 2021-01-05


def run(campaign, today, capture_callbacks, **kwargs):
    with capture_callbacks(execute=True):
        return send_verification_reminders(campaign=campaign, today=today, **kwargs)


def steps_of(student):
    return sorted(Notification.objects.filter(student=student, kind="verification_due").values_list("step", flat=True))


def test_reminders_follow_the_steps_and_stop_when_verified(
    campaign, student_factory, django_capture_on_commit_callbacks
):
    keen = student_factory(phone="13800000001")
    late_verifier = student_factory(phone="13800000002")
    for s in (keen, late_verifier):
        capture(s, on=DAY)
    confirm_verification(student=keen, actor=None)

    summary = run(campaign, datetime.date(2020, 12, 22), django_capture_on_commit_callbacks)
    assert dict(summary.counts) == {"d-14": 1}
    # The student who verified between two steps gets nothing more.
    confirm_verification(student=late_verifier, actor=None)
    for day in range(23, 32):
        run(campaign, datetime.date(2020, 12, day), django_capture_on_commit_callbacks)
    run(campaign, datetime.date(2021, 1, 10), django_capture_on_commit_callbacks)

    assert steps_of(keen) == []
    assert steps_of(late_verifier) == ["d-14"]
    assert LocmemSmsBackend.outbox[0][0] == "13800000002"
    assert "2021年1月5日" in LocmemSmsBackend.outbox[0][1]
    assert "https://xjxl.chsi.com.cn" in LocmemSmsBackend.outbox[0][1]
    assert len(LocmemSmsBackend.outbox) == 1


def test_every_step_once_then_overdue_once(campaign, student_factory, django_capture_on_commit_callbacks):
    student = student_factory(email="s@example.edu.cn")
    capture(student, on=DAY)
    day = DAY
    while day <= datetime.date(2021, 1, 20):
        run(campaign, day, django_capture_on_commit_callbacks)
        run(campaign, day, django_capture_on_commit_callbacks)  # a second beat process on the same day
        day += datetime.timedelta(days=1)
    assert steps_of(student) == ["d-1", "d-14", "d-3", "d-7", "overdue"]
    assert len(mail.outbox) == 5
    assert "还剩 7 天" in next(m.subject for m in mail.outbox if "7 天" in m.subject)


def test_student_captured_late_gets_only_the_steps_ahead(campaign, student_factory, django_capture_on_commit_callbacks):
    campaign.verification_window = 10  # shorter than the first step: d-14 is never ahead of anyone
    campaign.save()
    early = student_factory()
    capture(early, on=DAY)
    day = DAY
    late = None
    while day <= datetime.date(2020, 12, 20):
        if day == datetime.date(2020, 12, 1):
            # Captured while the others are already being reminded; its clock is its own.
            late = student_factory()
            capture(late, on=day)
        run(campaign, day, django_capture_on_commit_callbacks)
        day += datetime.timedelta(days=1)
    assert steps_of(early) == ["d-1", "d-3", "d-7", "overdue"]
    assert steps_of(late) == ["d-1", "d-3", "d-7", "overdue"]
    first = Notification.objects.filter(student=late).order_by("created_at", "id").first()
    assert first.step == "d-7" and "还剩 7 天" in first.title


def test_capture_entered_after_steps_passed_gets_only_the_current_one(
    campaign, student_factory, django_capture_on_commit_callbacks
):
    student = student_factory()
    capture(student, on=DAY)  # entered late: the reminder job first sees it on 2021-01-02
    run(campaign, datetime.date(2021, 1, 2), django_capture_on_commit_callbacks)
    run(campaign, datetime.date(2021, 1, 3), django_capture_on_commit_callbacks)
    assert steps_of(student) == ["d-3"]


def test_dry_run_records_nothing(campaign, student_factory, django_capture_on_commit_callbacks):
    student = student_factory()
    capture(student, on=DAY)
    summary = run(campaign, datetime.date(2020, 12, 22), django_capture_on_commit_callbacks, dry_run=True)
    assert dict(summary.counts) == {"d-14": 1}
    assert not Notification.objects.exists()


def test_undone_capture_gets_no_reminder(campaign, student_factory, django_capture_on_commit_callbacks):
    from capture_day.services import undo_check_in

    student = student_factory()
    cap = capture(student, on=DAY)
    undo_check_in(capture=cap, actor=None, reason="误刷")
    summary = run(campaign, datetime.date(2020, 12, 22), django_capture_on_commit_callbacks)
    assert summary.total == 0


def test_fan_out_queries_do_not_grow_with_students(
    campaign, student_factory, django_capture_on_commit_callbacks, django_assert_max_num_queries, settings
):
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    operator = make_user(Role.OPERATOR)
    slot = make_slot(campaign, group="大组", date=DAY)

    def add(n):
        for _ in range(n):
            capture(student_factory(phone="13800000000"), on=DAY, slot=slot, operator=operator)

    add(5)
    with django_assert_max_num_queries(12):
        send_verification_reminders(campaign=campaign, today=datetime.date(2020, 12, 22), dry_run=False)
    add(50)
    with django_assert_max_num_queries(12):
        summary = send_verification_reminders(campaign=campaign, today=datetime.date(2020, 12, 22))
    assert summary.counts["d-14"] == 50
    assert Delivery.objects.count() == 55


def test_slot_reminder_the_day_before(campaign, student_factory, django_capture_on_commit_callbacks):
    campaign.what_to_bring = "二代身份证"
    campaign.rules = "不得大声喧哗\n不得佩戴项链、耳环等首饰"
    campaign.save()
    slot = make_slot(campaign, start="08:30", end="09:50", date=DAY)
    student = student_factory(phone="13800000009")
    Student.objects.filter(pk=student.pk).update(assigned_slot=slot)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_slot_reminders(campaign=campaign, today=DAY - datetime.timedelta(days=2)).total == 0
        assert send_slot_reminders(campaign=campaign, today=DAY - datetime.timedelta(days=1)).total == 1
        assert send_slot_reminders(campaign=campaign, today=DAY - datetime.timedelta(days=1)).total == 0
    phone, text = LocmemSmsBackend.outbox[0]
    assert phone == "13800000009"
    assert "08:30-09:50" in text and "大学生活动中心" in text and "二代身份证" in text and "不得佩戴项链" in text


def test_coordinator_gets_overdue_list_of_own_college_only(
    campaign, college, student_factory, django_capture_on_commit_callbacks
):
    from tests.factories import make_college, make_student

    mine = student_factory(name="逾期甲")
    other = make_student(campaign, college=make_college("外国语学院"), name="别院乙")
    capture(mine, on=DAY)
    capture(other, on=DAY)
    coordinator = make_user(Role.COORDINATOR, email="c@example.edu.cn")
    coordinator.colleges.add(college)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_digests(campaign=campaign, today=datetime.date(2021, 1, 5)).total == 0
        assert send_overdue_digests(campaign=campaign, today=datetime.date(2021, 1, 6)).total == 1
        assert send_overdue_digests(campaign=campaign, today=datetime.date(2021, 1, 6)).total == 0
    message = Notification.objects.get(user=coordinator)
    assert "逾期甲" in message.body and "别院乙" not in message.body
    assert "1 人" in message.title
    assert mail.outbox[0].to == ["c@example.edu.cn"]
