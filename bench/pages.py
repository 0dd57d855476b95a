"""Page throughput under concurrent load: the student home and the coordinator's college page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_pages python bench/pages.py [--students 20000]

PostgreSQL only (SQLite serialises writers; a figure from it says nothing about production). Runs in
a throwaway database (<name>_pages_bench, created, migrated and dropped here). Builds the notice's
schedule and a roster of --students (default 20,000) with 60 % of them captured (capture, fee
charge, verification clock, as capture_day.check_in writes them), every other captured student
paid; then:
1. query counts of the student home ("/") and the coordinator's college page (/capture/college/)
   at 1/10 of the roster and at the full roster, through django.test.Client: they must not grow;
2. in-process, one request at a time: milliseconds per request of the trivial view and of each
   page, split into the time the database driver spent on SQL and the rest (Python);
3. the app under gunicorn (--workers, default 2 = the machine's cores, sync workers) on 127.0.0.1,
   hit by --concurrency client threads (default 8, keep-alive, each logged in) for --requests
   requests per page (default 600, and at most --seconds each): requests per second of a trivial
   login-required view (the floor: sessions, auth, middleware), of the two pages and of the peer,
   the Django admin's changelist of the same college's students (50 rows, as the coordinator's
   page: what a Django shop would give coordinators), with the ratio to the floor.
   Goals: the coordinator's page >= COORDINATOR_GOAL x the admin changelist's req/s; the student
   home >= STUDENT_GOAL x the trivial view's.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

COORDINATOR_GOAL = 2.0  # x the admin changelist
STUDENT_GOAL = 0.33  # x the trivial view
CS = "计算机科学与工程学院"


def grow(campaign, students: int, *, start_index: int) -> None:
    """Add students (bulk, same rows the services write) up to `students` in total."""
    from demo import schedule as plan
    from demo import seed
    from fees.models import Entry, FeeAccount, Kind, Method
    from sessions_app.models import Capture, Student
    from sessions_app.services import refresh_slot_assignments
    from verification.models import VerificationRecord
    from verification.services import due_date_for

    scale = students / (sum(plan.HEADCOUNT.values()) + sum(plan.GRADUATES.values()))
    existing = Student.objects.filter(campaign=campaign).count()
    seed.roster(campaign, seed.campuses(), seed.colleges(), entry_year=2023, seed=students, size=scale)
    refresh_slot_assignments(campaign=campaign)
    fresh = list(Student.objects.filter(campaign=campaign).order_by("pk")[existing:])
    fee = campaign.fee_per_person
    now = timezone.now()
    due = due_date_for(campaign=campaign, captured_on=timezone.localdate(now))
    shot = [s for i, s in enumerate(fresh, start=start_index) if i % 5 != 0]
    captures = Capture.objects.bulk_create(
        [Capture(campaign=campaign, student=s, slot_id=s.assigned_slot_id, captured_at=now) for s in shot],
        batch_size=2000,
    )
    VerificationRecord.objects.bulk_create(
        [
            VerificationRecord(
                campaign=campaign, student_id=c.student_id, capture_id=c.pk, captured_on=now.date(), due_date=due
            )
            for c in captures
        ],
        batch_size=2000,
    )
    paid = {s.pk for i, s in enumerate(shot) if i % 2}
    accounts = FeeAccount.objects.bulk_create(
        [
            FeeAccount(
                campaign=campaign,
                student=s,
                charged=fee,
                paid=fee if s.pk in paid else Decimal("0"),
                balance=Decimal("0") if s.pk in paid else fee,
            )
            for s in shot
        ],
        batch_size=2000,
    )
    entries = []
    for s, account in zip(shot, accounts, strict=True):
        entries.append(
            Entry(account=account, college_id=s.college_id, kind=Kind.CHARGE, amount=fee, idempotency_key=f"c{s.pk}")
        )
        if s.pk in paid:
            entries.append(
                Entry(
                    account=account,
                    college_id=s.college_id,
                    kind=Kind.PAYMENT,
                    amount=fee,
                    method=Method.CASH,
                    idempotency_key=f"p{s.pk}",
                )
            )
    Entry.objects.bulk_create(entries, batch_size=5000)


def build(students: int):
    from accounts.models import Role
    from demo import seed
    from sessions_app.models import Student

    campaign = seed.notice_campaign(seed.campuses(), seed.colleges())
    grow(campaign, students // 10, start_index=0)
    accounts = seed.Accounts()
    coordinator = accounts.user("coord_cs", Role.COORDINATOR, "计算机学院 王老师")
    coordinator.colleges.add(seed.colleges()[CS])
    # The peer's user: a superuser, the admin's cheapest case (no permission queries).
    admin = accounts.user("jwc", Role.STAFF, "教务处 于老师", is_staff=True, is_superuser=True)
    student = Student.objects.filter(campaign=campaign, college__name=CS, captures__isnull=False).order_by("pk").first()
    accounts.student(student)
    return campaign, coordinator, admin, student.user


def query_counts(users: dict, pages: dict) -> dict:
    counts = {}
    for label, (url, who) in pages.items():
        client = Client()
        client.force_login(users[who])
        client.get(url)  # warm caches (content types, templates)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}")
        counts[label] = len(queries)
    return counts


def server_times(users: dict, pages: dict, *, repeat: int = 30) -> dict:
    """In-process, one request at a time: milliseconds per request, and how many of them the
    database driver spent executing SQL (the rest is Python: middleware, ORM, templates)."""
    from django.db.backends import utils

    sys.path.insert(0, str(ROOT / "bench"))
    # The URLconf with the trivial view, as gunicorn serves it; importing it switches this
    # process's ROOT_URLCONF for good, harmless here: after this it only starts gunicorn.
    import pages_wsgi  # noqa: F401

    execute = utils.CursorWrapper._execute
    sql = [0.0]

    def timed_execute(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return execute(self, *args, **kwargs)
        finally:
            sql[0] += time.perf_counter() - start

    times = {}
    utils.CursorWrapper._execute = timed_execute
    try:
        for label, (url, who) in pages.items():
            client = Client()
            client.force_login(users[who])
            if client.get(url).status_code != 200:
                raise SystemExit(f"{label}: not 200 in-process")
            sql[0] = 0.0
            start = time.perf_counter()
            for _ in range(repeat):
                client.get(url)
            times[label] = ((time.perf_counter() - start) / repeat * 1000, sql[0] / repeat * 1000)
    finally:
        utils.CursorWrapper._execute = execute
    return times


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, database_url: str, *, app: str = "pages_wsgi:application", chdir: Path | None = None
) -> subprocess.Popen:
    """gunicorn (sync workers, as deploy/gunicorn.conf.py) serving `app`, a module of bench/
    (or of `chdir`: bench/api.py serves the project's own app from the root, where its name
    would otherwise be taken by bench/api.py itself)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "false"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(chdir or ROOT / "bench"),
            app,
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def p95(samples: list[float]) -> float:
    """The 95th percentile (needs at least 20 samples to mean anything; 0.0 below that)."""
    return statistics.quantiles(samples, n=100)[94] if len(samples) >= 20 else 0.0


def send(conn: http.client.HTTPConnection, method: str, url: str, *, body: str | None = None, headers: dict):
    """One request on a keep-alive connection: (connection to use next, status or error, body)."""
    try:
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        return conn, response.status, response.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return http.client.HTTPConnection(conn.host, conn.port, timeout=30), repr(exc), b""


def drive(port: int, next_request, *, concurrency: int, requests: int, seconds: float, accept=None) -> dict:
    """`requests` requests shared by `concurrency` keep-alive client threads, stopping at `seconds`.

    `next_request(client)` gives client number `client` its next (method, url, body, headers), or
    None when it has nothing left; `accept(status, body)` says whether an answer counts as a
    success (default: HTTP 200). Latencies of successes only, in seconds, with the wall time.
    """
    accept = accept or (lambda status, _body: status == 200)
    lock = threading.Lock()
    remaining = [requests]
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def worker(client: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > stop_at:
                    break
                remaining[0] -= 1
            request = next_request(client)
            if request is None:
                break
            method, url, body, headers = request
            start = time.perf_counter()
            conn, status, content = send(conn, method, url, body=body, headers=headers)
            elapsed = time.perf_counter() - start
            ok = accept(status, content)
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{status} {content[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "errors": errors, "wall": time.perf_counter() - began}


def summarize(latencies: list[float], wall: float, errors: list[str]) -> dict:
    return {
        "ok": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall if wall else 0.0,
        "median_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95_ms": p95(latencies) * 1000,
    }


def load(port: int, url: str, cookie: str, *, concurrency: int, requests: int, seconds: float) -> dict:
    """`requests` GETs of `url` shared by `concurrency` keep-alive threads, stopping at `seconds`."""
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Host": "127.0.0.1"}
    run = drive(
        port, lambda _client: ("GET", url, None, headers), concurrency=concurrency, requests=requests, seconds=seconds
    )
    return summarize(run["latencies"], run["wall"], run["errors"])


def run(args, database_url: str) -> None:
    from sessions_app.models import Student

    campaign, coordinator, admin, student_user = build(args.students)
    users = {"student": student_user, "coordinator": coordinator, "admin": admin}
    college = coordinator.colleges.get()
    changelist = f"/admin/sessions_app/student/?campaign__id__exact={campaign.pk}&college__id__exact={college.pk}"
    pages = {
        "student home /": ("/", "student"),
        "coordinator /capture/college/": ("/capture/college/", "coordinator"),
        "peer: admin changelist": (changelist, "admin"),
    }
    small = Student.objects.filter(campaign=campaign).count()
    counts_small = query_counts(users, pages)
    grow(campaign, args.students, start_index=small)
    # Autovacuum would have analysed a real database long ago; a fresh bulk load has no statistics.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    full = Student.objects.filter(campaign=campaign).count()
    counts_full = query_counts(users, pages)
    print(f"page throughput, {connection.vendor}, campaign {campaign.code}: {full} students")
    print(f"  queries per page: {small} students -> {full} students")
    for label in pages:
        flat = "flat" if counts_full[label] <= counts_small[label] else "GROWS"
        print(f"    {label:34}{counts_small[label]:4} -> {counts_full[label]:4}  {flat}")

    in_process = server_times(users, {"trivial view (floor)": ("/bench/ping/", "student"), **pages})
    print("  one request at a time, in-process (django.test.Client): ms per request, of which SQL")
    for label, (total, sql) in in_process.items():
        print(f"    {label:34}{total:7.1f} ms  SQL {sql:5.1f} ms  Python {total - sql:5.1f} ms")

    port = free_port()
    # Served from the root: from bench/, Celery's Django fix-up puts the working directory first on
    # sys.path and bench/api.py would shadow the api app.
    server = start_gunicorn(port, args.workers, database_url, app="bench.pages_wsgi:application", chdir=ROOT)
    try:
        cookies = {who: session_cookie(user) for who, user in users.items()}
        targets = {"trivial view (floor)": ("/bench/ping/", "student"), **pages}
        results = {}
        for label, (url, who) in targets.items():
            load(port, url, cookies[who], concurrency=args.concurrency, requests=40, seconds=10)  # warm-up
            results[label] = load(
                port, url, cookies[who], concurrency=args.concurrency, requests=args.requests, seconds=args.seconds
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = results["trivial view (floor)"]["rps"]
    print(f"  gunicorn {args.workers} sync workers, {args.concurrency} concurrent keep-alive clients, 127.0.0.1")
    print(f"    {'':34}{'ok':>6}{'err':>5}{'req/s':>9}{'median ms':>11}{'p95 ms':>9}{'×floor':>8}")
    for label, r in results.items():
        ratio = r["rps"] / floor if floor else 0.0
        print(
            f"    {label:34}{r['ok']:6}{len(r['errors']):5}{r['rps']:9.1f}{r['median_ms']:11.1f}"
            f"{r['p95_ms']:9.1f}{ratio:8.2f}"
        )
        if r["errors"]:
            print(f"      errors: {sorted(set(r['errors']))[:5]}")
    peer = results["peer: admin changelist"]["rps"]
    coordinator_ratio = results["coordinator /capture/college/"]["rps"] / peer if peer else 0.0
    student_ratio = results["student home /"]["rps"] / floor if floor else 0.0
    clean = not any(r["errors"] for r in results.values())
    for text, ratio, goal in (
        ("coordinator page vs the admin changelist", coordinator_ratio, COORDINATOR_GOAL),
        ("student home vs the trivial view", student_ratio, STUDENT_GOAL),
    ):
        verdict = "OK" if ratio >= goal and clean else "MISSED"
        print(f"  goal: {text}: {ratio:.2f}x (goal >= {goal:.2f}x) -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/pages.py needs DATABASE_URL pointing at PostgreSQL")
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_pages_bench"
    db.setdefault("TEST", {})["NAME"] = name
    setup_test_environment(debug=False)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database_url = f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    try:
        run(args, database_url)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
