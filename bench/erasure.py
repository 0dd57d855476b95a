"""Erasure benchmark: a closed campaign of 20,000 students has its personal data erased.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_erasure python bench/erasure.py [--students 20000]

Runs in a throwaway test database (test_<name>, created and dropped here) and a temporary
MEDIA_ROOT. Each student has a capture, a fee account, an SMS delivery to their phone; one in fifty
a problem report with text, one in a hundred a retake request with a photo file on disk.

What is timed is privacy.services.erase_campaign as the job runs it (batches of
PRIVACY_ERASE_BATCH students, each its own transaction), and the archive written before it
(privacy.archive.write_archive). The floor, measured in the same run on the same rows, is a plain
UPDATE of every student's phone and e-mail and every delivery's address (rolled back): the least
any erasure of those columns could cost.

Memory: Python's peak allocation (tracemalloc) during the archive and the erasure, measured on two
more campaigns built beside the first: one a quarter of its size and one of its size. Bounded
memory means the two peaks are about the same. tracemalloc slows Python down, so the times quoted
are the first campaign's, erased without it.

Prints per campaign: students, archive time, erasure time and students/s, the floor and the ratio
erasure/floor, and the peaks; exit 1 if anything of a student's ID number or phone is left.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

_built = {"n": 0}


def build(students: int, *, staff):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from fees.models import FeeAccount
    from notifications.models import Delivery, Notification
    from retakes.models import Channel, Reason, RetakePhoto, RetakeRequest
    from sessions_app.idcard import make_id_number
    from sessions_app.models import Campaign, Campus, Capture, CaptureGroup, College, Location, Slot, Student
    from verification.models import ProblemReport, ProblemType, ReportStatus

    _built["n"] += 1
    tag = _built["n"]
    campaign = Campaign.objects.create(
        code=f"bench-erase-{tag}",
        name=f"基准 删除 {tag}",
        capture_dates="2020-11-26",
        retake_deadline=datetime.date(2021, 3, 1),
        phase_override="closed",
    )
    campus, _ = Campus.objects.get_or_create(name="金石滩校区")
    location, _ = Location.objects.get_or_create(campus=campus, name="大学生活动中心")
    group = CaptureGroup.objects.create(campaign=campaign, name="第一组", location=location)
    slot = Slot.objects.create(
        group=group, date=datetime.date(2020, 11, 26), start_time=datetime.time(8), end_time=datetime.time(12)
    )
    colleges = [College.objects.get_or_create(name=f"学院{i:02d}")[0] for i in range(14)]
    created = Student.objects.bulk_create(
        (
            Student(
                campaign=campaign,
                student_no=f"{tag}{n:07d}",
                name=f"学生{n}",
                id_number=make_id_number(
                    area=f"2102{tag:02d}",
                    birth=datetime.date(1998, 1, 1) + datetime.timedelta(days=n // 999),
                    sequence=n % 999,
                ),
                college=colleges[n % len(colleges)],
                class_name=f"班{n % 40:02d}",
                phone=f"13{tag}{n:08d}",
                email=f"s{tag}-{n}@example.edu.cn",
            )
            for n in range(1, students + 1)
        ),
        batch_size=2000,
    )
    now = timezone.now()
    captured_at = datetime.datetime(2020, 11, 26, 1, 0, tzinfo=datetime.UTC)
    Capture.objects.bulk_create(
        (Capture(campaign=campaign, student=s, slot=slot, captured_at=captured_at) for s in created), batch_size=2000
    )
    FeeAccount.objects.bulk_create(
        (FeeAccount(campaign=campaign, student=s, charged=17, paid=17) for s in created), batch_size=2000
    )
    subject = ContentType.objects.get_for_model(Student)
    notifications = Notification.objects.bulk_create(
        (
            Notification(student=s, kind="bench", subject_type=subject, subject_id=s.pk, step="s", code="bench")
            for s in created
        ),
        batch_size=2000,
    )
    Delivery.objects.bulk_create(
        (
            Delivery(notification=n, channel="sms", address=s.phone, status="sent", sent_at=now)
            for n, s in zip(notifications, created, strict=True)
        ),
        batch_size=2000,
    )
    ProblemReport.objects.bulk_create(
        ProblemReport(
            campaign=campaign,
            student=s,
            problem_type=ProblemType.WRONG_DATA,
            description=f"身份证号 {s.id_number} 有误，电话 {s.phone}",
            status=ReportStatus.RESOLVED,
        )
        for s in created[::50]
    )
    media = Path(settings.MEDIA_ROOT) / "retakes"
    media.mkdir(parents=True, exist_ok=True)
    for s in created[::100]:
        request = RetakeRequest.objects.create(
            campaign=campaign,
            student=s,
            reason=Reason.OTHER,
            reason_detail=f"在外实习，电话 {s.phone}",
            channel=Channel.ONLINE,
            status="done",
            created_by=staff,
        )
        name = f"retakes/bench-{s.pk}.jpg"
        (Path(settings.MEDIA_ROOT) / name).write_bytes(b"\xff\xd8" + s.id_number.encode() + b"\xff\xd9")
        RetakePhoto.objects.create(
            request=request, file=name, sha256="0" * 64, size=22, format="JPEG", width=1, height=1, uploaded_by=staff
        )
    return campaign


def floor_update(campaign) -> float:
    """A plain UPDATE of the same rows' phone, e-mail and delivery address, rolled back."""
    from notifications.models import Delivery
    from sessions_app.models import Student

    start = time.perf_counter()
    with transaction.atomic():
        Student.objects.filter(campaign=campaign).update(phone="", email="")
        Delivery.objects.filter(notification__student__campaign=campaign).update(address="")
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed


def erase(campaign, *, trace: bool) -> dict:
    from privacy.archive import write_archive
    from privacy.services import erase_campaign

    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    _name, stream = write_archive(campaign)
    archive_s = time.perf_counter() - start
    archive_bytes = stream.seek(0, 2)
    stream.close()
    start = time.perf_counter()
    report = erase_campaign(campaign=campaign, actor=None)
    erase_s = time.perf_counter() - start
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "archive_s": archive_s,
        "archive_kb": archive_bytes / 1024,
        "erase_s": erase_s,
        "peak": peak,
        **report.counts,
    }


def leftovers(campaign) -> int:
    from notifications.models import Delivery
    from retakes.models import RetakePhoto, RetakeRequest
    from sessions_app.models import Student
    from verification.models import ProblemReport

    students = Student.objects.filter(campaign=campaign)
    left = students.exclude(id_number="").count() + students.exclude(phone="").count()
    left += Delivery.objects.filter(notification__student__campaign=campaign).exclude(address="").count()
    left += ProblemReport.objects.filter(campaign=campaign).exclude(description="").count()
    left += RetakeRequest.objects.filter(campaign=campaign).exclude(reason_detail="-").count()
    left += RetakePhoto.objects.filter(request__campaign=campaign).exclude(file="").count()
    left += len(list((Path(settings.MEDIA_ROOT) / "retakes").glob("bench-*")))
    return left


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=20000)
    args = parser.parse_args()
    n, quarter = args.students, max(1, args.students // 4)

    setup_test_environment()
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-erasure-")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    failed = False
    try:
        from accounts.models import Role, User

        staff = User.objects.create_user(username="bench-staff", password="x", role=Role.STAFF)
        print(
            f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
            f"batch {settings.PRIVACY_ERASE_BATCH} students"
        )
        results = []
        for size, trace in ((n, False), (quarter, True), (n, True)):
            t0 = time.perf_counter()
            campaign = build(size, staff=staff)
            setup_s = time.perf_counter() - t0
            floor_s = floor_update(campaign)
            result = erase(campaign, trace=trace)
            left = leftovers(campaign)
            results.append((size, trace, result))
            rate = size / result["erase_s"] if result["erase_s"] else float("inf")
            peak = f", peak {result['peak'] / 2**20:.1f} MiB (tracemalloc on)" if trace else ""
            print(
                f"{size} students (setup {setup_s:.1f} s): archive {result['archive_s']:.2f} s "
                f"({result['archive_kb']:.0f} KiB); erasure {result['erase_s']:.2f} s, {rate:,.0f} students/s; "
                f"floor (plain UPDATE of phone/e-mail/address) {floor_s:.2f} s, "
                f"erasure x{result['erase_s'] / floor_s:.1f} the floor{peak}; "
                f"{result.get('photo_files', 0)} photo files, {result.get('problem_texts', 0)} problem texts; "
                f"left: {left}"
            )
            if left or result.get("students") != size:
                print("FAIL: personal data left, or not every student erased")
                failed = True
        small, big = results[1][2]["peak"], results[2][2]["peak"]
        print(
            f"peak memory: {quarter} students {small / 2**20:.1f} MiB, {n} students {big / 2**20:.1f} MiB "
            f"(x{big / small:.2f} for x{n / quarter:.0f} the students)"
        )
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
