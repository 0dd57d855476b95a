"""Reminder fan-out benchmark: verification reminders to 20,000 unverified students.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_verif REDIS_URL=redis://127.0.0.1:6379/5 \\
        python bench/reminders.py [--students 20000]

Runs in a throwaway test database (test_<name>, created and dropped here). The fan-out is
verification.reminders.send_verification_reminders, as the beat task runs it: it records one
Notification per student plus its email and SMS Delivery rows, and publishes the send tasks
after each batch commits. Sending itself is the workers' job and is not timed. With REDIS_URL
the tasks go to that Redis (the queue is purged afterwards; use your own DB number); without
it to Celery's in-memory broker, so only the publish cost is counted.

Prints:
1. the first run: wall time, students per second against FLOOR_PER_SECOND, query count, tasks published;
2. an immediate second run: wall time and how many it recorded (must be 0; exit 1 otherwise).
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

FLOOR_PER_SECOND = 2000.0
TODAY = datetime.date(2020, 12, 22)  # the d-14 step for captures of 2020-11-26


def build(students: int):
    from notifications.models import Delivery  # noqa: F401  (table exists)
    from sessions_app.idcard import make_id_number
    from sessions_app.models import Campaign, Campus, Capture, CaptureGroup, College, Location, Slot, Student
    from verification.models import VerificationRecord
    from verification.services import due_date_for

    campaign = Campaign.objects.create(code="bench-remind", name="基准 提醒", verification_window=40)
    campus, _ = Campus.objects.get_or_create(name="金石滩校区")
    location, _ = Location.objects.get_or_create(campus=campus, name="大学生活动中心")
    group = CaptureGroup.objects.create(campaign=campaign, name="第一组", location=location)
    slot = Slot.objects.create(
        group=group, date=datetime.date(2020, 11, 26), start_time=datetime.time(8), end_time=datetime.time(12)
    )
    colleges = [College.objects.get_or_create(name=f"学院{i:02d}")[0] for i in range(14)]
    rows = []
    for n in range(1, students + 1):
        rows.append(
            Student(
                campaign=campaign,
                student_no=f"2017{n:07d}",
                name=f"学生{n}",
                id_number=make_id_number(
                    area="210202", birth=datetime.date(1998, 1, 1) + datetime.timedelta(days=n // 999), sequence=n % 999
                ),
                college=colleges[n % len(colleges)],
                phone=f"139{n:08d}",
                email=f"s{n}@example.edu.cn",
            )
        )
    created = Student.objects.bulk_create(rows, batch_size=2000)
    captured_at = datetime.datetime(2020, 11, 26, 1, 0, tzinfo=datetime.UTC)
    captures = Capture.objects.bulk_create(
        (Capture(campaign=campaign, student=s, slot=slot, captured_at=captured_at) for s in created), batch_size=2000
    )
    # bulk_create calls no service: open the verification clocks check_in would have opened.
    captured_on = datetime.date(2020, 11, 26)
    due = due_date_for(campaign=campaign, captured_on=captured_on)
    VerificationRecord.objects.bulk_create(
        (
            VerificationRecord(
                campaign=campaign, student_id=c.student_id, capture_id=c.pk, captured_on=captured_on, due_date=due
            )
            for c in captures
        ),
        batch_size=2000,
    )
    return campaign


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=20000)
    args = parser.parse_args()

    from photocapture.celery import app

    app.conf.task_always_eager = False
    if not settings.REDIS_URL:
        app.conf.broker_url = "memory://"
    broker = settings.REDIS_URL or "memory://"

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    failed = False
    try:
        from notifications.models import Delivery, Notification
        from verification.reminders import send_verification_reminders

        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); broker: {broker}")
        t0 = time.perf_counter()
        campaign = build(args.students)
        print(f"setup: {args.students} captured students in {time.perf_counter() - t0:.1f} s")
        if settings.REDIS_URL:
            app.control.purge()

        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            first = send_verification_reminders(campaign=campaign, today=TODAY)
            first_s = time.perf_counter() - start
        deliveries = Delivery.objects.count()
        chunks = -(-deliveries // settings.NOTIFICATIONS_SEND_CHUNK)
        rate = first.total / first_s if first_s else float("inf")
        print(
            f"first run: {first.total} students reminded ({Notification.objects.count()} notifications, "
            f"{deliveries} deliveries, {chunks} send tasks published) in {first_s:.2f} s, "
            f"{len(queries.captured_queries)} queries; {rate:,.0f} students/s, "
            f"x{rate / FLOOR_PER_SECOND:.1f} the floor of {FLOOR_PER_SECOND:,.0f}/s"
        )
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            second = send_verification_reminders(campaign=campaign, today=TODAY)
            second_s = time.perf_counter() - start
        print(
            f"second run: {second.total} recorded in {second_s:.2f} s, {len(queries.captured_queries)} queries "
            f"({first_s / second_s if second_s else 0:.1f}x faster than the first)"
        )
        if first.total != args.students:
            print(f"FAIL: expected {args.students} reminders in the first run")
            failed = True
        if second.total != 0:
            print("FAIL: the second run recorded reminders again")
            failed = True
        if rate < FLOOR_PER_SECOND:
            print("BELOW FLOOR")
    finally:
        if settings.REDIS_URL:
            app.control.purge()
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
