"""Fee ledger benchmark.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_fees python bench/payments.py [--payments 2000]

Runs in a throwaway test database (test_<name>, created and dropped here), because ledger entries
are append-only and a benchmark must not leave thousands of them in a real database.

Prints:
1. payments posted per second through fees.services.post_payment (one thread, and --threads
   threads, each payment on its own locked account), against a floor of FLOOR_PER_SECOND;
2. the staff reconciliation page (GET /fees/reconciliation/) and the "fees" .xlsx export: wall
   time and query count for 2,000 and for 20,000 students. The query count must not grow;
   the time ratio is printed for information (the export lists unpaid students, so it is linear).
"""

import argparse
import datetime
import io
import os
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo import schedule as demo_schedule  # noqa: E402

FLOOR_PER_SECOND = 100.0
FEE = Decimal("17.00")
COLLEGES = [name for name, _aliases, _campus in demo_schedule.COLLEGES]


def _paid(i: int, every: int | None) -> bool:
    return every is not None and i % every == 0


def build_campaign(code: str, students: int, *, paid_every: int | None = 2):
    """Captured students with their charge, every other one paid, one confirmed remittance per
    college. Bulk inserts (valid rows, same shape the services write): the point is reading them."""
    from accounts.models import Role, User
    from fees import remittances, services
    from fees.models import Entry, FeeAccount, Kind, Method
    from sessions_app.idcard import make_id_number
    from sessions_app.models import Campaign, Campus, Capture, CaptureGroup, College, Location, Slot, Student

    campaign = Campaign.objects.create(code=code, name=f"基准 {code}", fee_per_person=FEE)
    campus, _ = Campus.objects.get_or_create(name="金石滩校区")
    location, _ = Location.objects.get_or_create(campus=campus, name="大学生活动中心")
    group = CaptureGroup.objects.create(campaign=campaign, name="第一组", location=location)
    slot = Slot.objects.create(
        group=group, date=datetime.date(2020, 11, 26), start_time=datetime.time(8), end_time=datetime.time(12)
    )
    colleges = [College.objects.get_or_create(name=name)[0] for name in COLLEGES]
    staff = User.objects.filter(username="bench-staff").first() or User.objects.create_user(
        username="bench-staff", password="x" * 12, role=Role.STAFF
    )
    born = datetime.date(1999, 1, 1)
    rows = [
        Student(
            campaign=campaign,
            student_no=f"{code}{i:06d}",
            name=f"学生{i}",
            id_number=make_id_number(area="210202", birth=born + datetime.timedelta(days=i // 1000), sequence=i % 1000),
            college=colleges[i % len(colleges)],
            class_name=f"班{i % 40}",
        )
        for i in range(students)
    ]
    created = Student.objects.bulk_create(rows, batch_size=2000)
    now = timezone.now()
    Capture.objects.bulk_create(
        [Capture(campaign=campaign, student=s, slot=slot, captured_at=now, captured_by=staff) for s in created],
        batch_size=2000,
    )
    accounts = FeeAccount.objects.bulk_create(
        [
            FeeAccount(
                campaign=campaign,
                student=s,
                charged=FEE,
                paid=FEE if _paid(i, paid_every) else 0,
                balance=0 if _paid(i, paid_every) else FEE,
            )
            for i, s in enumerate(created)
        ],
        batch_size=2000,
    )
    entries = []
    for i, (s, account) in enumerate(zip(created, accounts, strict=True)):
        entries.append(
            Entry(account=account, college_id=s.college_id, kind=Kind.CHARGE, amount=FEE, idempotency_key=f"c{code}{i}")
        )
        if _paid(i, paid_every):
            entries.append(
                Entry(
                    account=account,
                    college_id=s.college_id,
                    kind=Kind.PAYMENT,
                    amount=FEE,
                    method=Method.CASH if i % 3 else Method.CAMPUS_PLATFORM,
                    posted_by=staff,
                    idempotency_key=f"p{code}{i}",
                )
            )
    Entry.objects.bulk_create(entries, batch_size=5000)
    for college in colleges:
        try:
            remittance, _ = remittances.create_remittance(
                campaign=campaign, college=college, actor=staff, idempotency_key=uuid.uuid4().hex
            )
        except services.FeeError:
            continue
        remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount=remittance.amount)
    return campaign, staff, created


def bench_payments(count: int, threads: int) -> None:
    from fees import services
    from fees.models import Method

    campaign, staff, students = build_campaign(f"pay{count}", count * (threads + 1), paid_every=None)
    single, rest = students[:count], students[count:]

    started = time.perf_counter()
    for s in single:
        services.post_payment(student=s, amount=FEE, method=Method.CASH, actor=staff, idempotency_key=uuid.uuid4().hex)
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(
        f"payments, 1 thread:   {count} in {elapsed:.2f} s = {rate:.0f}/s  (floor {FLOOR_PER_SECOND:.0f}/s, "
        f"ratio {rate / FLOOR_PER_SECOND:.2f})"
    )

    if threads > 1 and connection.vendor == "postgresql":
        chunks = [rest[i::threads] for i in range(threads)]

        def work(chunk):
            try:
                for s in chunk:
                    services.post_payment(
                        student=s, amount=FEE, method=Method.CASH, actor=staff, idempotency_key=uuid.uuid4().hex
                    )
            finally:
                connections.close_all()

        workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        total = sum(len(c) for c in chunks)
        print(f"payments, {threads} threads: {total} in {elapsed:.2f} s = {total / elapsed:.0f}/s")


def measure(campaign, staff) -> dict:
    from django.test import Client

    from fees.exports import write_fee_report

    client = Client()
    client.force_login(staff)
    url = f"/fees/reconciliation/?campaign={campaign.code}"
    client.get(url)  # warm caches (templates, content types)
    figures = {}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        figures["page_s"] = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    figures["page_q"] = len(queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        stream = io.BytesIO()
        write_fee_report(campaign=campaign, user=None, stream=stream)
        figures["export_s"] = time.perf_counter() - started
    figures["export_q"] = len(queries.captured_queries)
    figures["export_kb"] = len(stream.getvalue()) // 1024
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sizes", default="2000,20000")
    args = parser.parse_args()

    setup_test_environment()
    if connection.vendor == "postgresql":
        # Not test_<name>: pytest runs on the same DATABASE_URL must not collide with the bench.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        bench_payments(args.payments, args.threads)
        results = {}
        for size in (int(s) for s in args.sizes.split(",")):
            campaign, staff, _students = build_campaign(f"r{size}", size)
            results[size] = measure(campaign, staff)
            r = results[size]
            print(
                f"{size:>6} students: reconciliation page {r['page_s'] * 1000:.0f} ms, {r['page_q']} queries; "
                f"export {r['export_s'] * 1000:.0f} ms, {r['export_q']} queries, {r['export_kb']} KB"
            )
        sizes = sorted(results)
        if len(sizes) >= 2:
            small, big = results[sizes[0]], results[sizes[-1]]
            grew = big["page_q"] > small["page_q"] or big["export_q"] > small["export_q"]
            print(
                f"x{sizes[-1] // sizes[0]} students: page time x{big['page_s'] / small['page_s']:.1f}, "
                f"export time x{big['export_s'] / small['export_s']:.1f}, "
                f"queries {'GREW' if grew else 'unchanged'} "
                f"({small['page_q']}→{big['page_q']} page, {small['export_q']}→{big['export_q']} export)"
            )
            if grew:
                sys.exit(1)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
