"""Two beat processes firing the same fan-out at once must record each reminder once."""

import datetime
import threading

import pytest
from django.db import connection

from notifications.models import Delivery, Notification
from sessions_app.idcard import make_id_number
from sessions_app.models import Student
from tests.factories import bulk_captures, make_campaign, make_college, make_slot
from verification.reminders import send_verification_reminders

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_fan_outs_record_each_reminder_once(settings):
    settings.VERIFICATION_REMINDER_DAYS = [14, 7, 3, 1]
    campaign = make_campaign()
    college = make_college("文法学院")
    slot = make_slot(campaign, date=datetime.date(2020, 11, 26))
    students = Student.objects.bulk_create(
        Student(
            campaign=campaign,
            student_no=f"2017{n:06d}",
            name=f"学生{n}",
            id_number=make_id_number(area="210202", birth=datetime.date(1999, 1, 1), sequence=n),
            college=college,
            phone=f"139{n:08d}",
        )
        for n in range(1, 401)
    )
    bulk_captures(campaign, slot, students, datetime.datetime(2020, 11, 26, 1, tzinfo=datetime.UTC))
    barrier = threading.Barrier(2)
    totals, errors = [], []

    def run():
        try:
            barrier.wait()
            totals.append(
                send_verification_reminders(campaign=campaign, today=datetime.date(2020, 12, 22), batch_size=50).total
            )
        except Exception as exc:  # reported below; a thread must not swallow it
            errors.append(exc)
        finally:
            connection.close()

    # Eager sends would run inside the threads; only the recording is under test here.
    from photocapture.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        app.conf.task_always_eager = eager
    assert errors == []
    assert sum(totals) == 400
    assert Notification.objects.count() == 400
    assert Delivery.objects.count() == 400
