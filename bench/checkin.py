"""Capture desk under load: 4 desks of one group swiping at once, against the floor of its writes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_desk python bench/checkin.py [--swipes 600]

PostgreSQL only. Runs in a throwaway database (<name>_checkin_bench, created, migrated and dropped
here): a capture posts a fee charge to the append-only ledger, so the swipes must not land in a
real database. Builds one campaign with two capture groups, each with one slot today: the desk
group (its students swiped through the real desk) and the floor group (its students "swiped"
through the floor view, so their 拍摄号 counters are apart); --desks operators per group.

1. In-process (django.test.Client, one request at a time, 20 of each): statements (counted with
   connection.execute_wrapper), median ms and the SQL share of a first swipe, a floor request, the
   trivial view and a dashboard poll; the statements of a repeat swipe. --profile N adds a
   cProfile of N more first swipes (the functions where the time goes).
2. Under gunicorn (bench/checkin_wsgi.py: the project's URLconf plus the trivial view and the
   floor; --workers sync workers, default 2 = the machine's cores) on 127.0.0.1, three kinds of
   request at the same load, --desks keep-alive clients at once (default 4, each its own
   operator's session, CSRF token as desk.js sends it: the page's token in X-CSRFToken):
   - swipe: POST /capture/desk/<slot>/swipe/ as desk.js sends it (code, a fresh nonce,
     swiped_at; Accept: application/json), each desk its own students of the desk group;
   - floor: POST /bench/floor/<slot>/swipe/ (bench/checkin_floor.py): the same writes as a
     first swipe (capture, nonce, 拍摄号, charge with the account's totals, verification clock,
     audit) in one transaction of raw SQL, after one SELECT of the student;
   - trivial: GET /bench/ping/ (login required, {"ok": true}): sessions, auth, middleware.
   Each kind gets --swipes requests, sent in --rounds rounds that take turns (the order rotates),
   so noise from the other users of a shared machine falls on all three alike.
   All along, one more client polls the live dashboard's JSON (/capture/live/data/, as
   static/js/live_dashboard.js does, logged in as 教务处) once a second, start to start
   (--poll-interval; the page itself waits 1.5 s after each answer).
Prints for each kind: requests, errors, median, p95 (ms), requests per second; the goal ratio
swipe p95 / floor p95 (<= GOAL_RATIO) and swipe p95 / trivial p95; the dashboard poll's p95.
Then checks what was written: every swipe recorded once (one capture per student, one desk
row per nonce) and the 拍摄号 of each group and day 1..N without gaps or duplicates.
The slots are today's in Asia/Shanghai: a run across its midnight (16:00 UTC) finds the desks closed.
"""

import argparse
import cProfile
import datetime
import http.client
import io
import json
import os
import pstats
import re
import statistics
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# pages sets Django up (demo settings: figures of the code, not of production settings).
import pages  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

# whitenoise complains that collectstatic has not run; irrelevant to a latency figure.
warnings.filterwarnings("ignore", message="No directory at")

GOAL_RATIO = 1.5
IN_PROCESS_SWIPES = 20
WARM_UP = 8  # requests of each kind before the measured rounds (a worker's first request imports)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def build(*, desks: int, students: int):
    """A campaign, two groups with a slot today each, `students` students per slot, operators."""
    from accounts.models import Role, User
    from sessions_app.idcard import make_id_number
    from sessions_app.models import Audience, Campaign, Campus, CaptureGroup, College, Location, Slot, Student
    from sessions_app.services import refresh_slot_assignments

    campaign = Campaign.objects.create(code="bench-checkin", name="刷证基准")
    location = Location.objects.create(campus=Campus.objects.create(name="金石滩校区"), name="大学生活动中心")
    born = datetime.date(1998, 1, 1)
    numbers = (
        make_id_number(area="210202", birth=born + datetime.timedelta(days=i // 27), sequence=1 + (i % 27) * 37)
        for i in range(10**6)
    )
    groups = {}
    for label, college_name in (("desk", "经济管理学院"), ("floor", "建筑与艺术学院")):
        group = CaptureGroup.objects.create(campaign=campaign, name=f"{label}组", location=location)
        # The whole day, today: the desk is open and the dashboard sees a slot running now.
        slot = Slot.objects.create(
            group=group, date=timezone.localdate(), start_time=datetime.time(0), end_time=datetime.time(23, 59)
        )
        college = College.objects.create(name=college_name)
        Audience.objects.create(slot=slot, college=college)
        Student.objects.bulk_create(
            [
                Student(
                    campaign=campaign,
                    student_no=f"{label}{i:06d}",
                    name=f"学生{i}",
                    id_number=next(numbers),
                    college=college,
                    class_name=f"{label}{i % 20:02d}",
                )
                for i in range(students)
            ],
            batch_size=1000,
        )
        operators = []
        for d in range(desks):
            operator = User.objects.create(username=f"{label}-desk-{d + 1}", role=Role.OPERATOR)
            operator.capture_groups.add(group)
            operators.append(operator)
        ids = list(Student.objects.filter(college=college).order_by("pk").values_list("id_number", flat=True))
        groups[label] = {"group": group, "slot": slot, "operators": operators, "codes": ids}
    refresh_slot_assignments(campaign=campaign)
    staff = User.objects.create(username="bench-staff", role=Role.STAFF)
    return campaign, groups, staff


def swipe_body(code: str) -> str:
    """What desk.js posts: the code, a fresh nonce, the swipe's time as toISOString() writes it."""
    swiped_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return urlencode({"code": code, "nonce": str(uuid.uuid4()), "swiped_at": swiped_at})


class Meter:
    """Counts the statements a request sends through Django and the time they take (BEGIN and
    COMMIT of psycopg2 are not statements; the floor's raw cursor is not seen)."""

    def __init__(self):
        self.n = 0
        self.sql = 0.0
        self.statements: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - start
            self.sql += took
            self.statements.append((" ".join(sql.split())[:90], took))
            if sql.startswith("SELECT") and os.environ.get("BENCH_EXPLAIN") and len(EXPLAIN) < 6:
                EXPLAIN.append((sql, params))


# Each statement of the in-process first swipes: (its first words, seconds), for --statements.
STATEMENTS: list[list[tuple[str, float]]] = []
EXPLAIN: list = []


def measured(client, method: str, url: str, body: str = "") -> tuple[dict, int, float, float]:
    """One request in-process: (its JSON, statements, ms, of which SQL ms)."""
    meter = Meter()
    STATEMENTS.append(meter.statements)
    start = time.perf_counter()
    with connection.execute_wrapper(meter):
        response = client.generic(
            method, url, body, "application/x-www-form-urlencoded", HTTP_ACCEPT="application/json"
        )
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"in-process {method} {url}: HTTP {response.status_code}")
    return response.json(), meter.n, elapsed, meter.sql * 1000


def in_process(groups: dict, campaign, staff, *, profile: int) -> dict:
    """One request at a time through django.test.Client: statements and ms per first swipe,
    repeat swipe, floor request, trivial view and dashboard poll (and an optional profile)."""
    import checkin_wsgi  # noqa: F401  (this process's URLconf becomes the bench's, as gunicorn's)
    from django.urls import reverse

    def series(client, method, url, codes=None, count=IN_PROCESS_SWIPES, expect=None):
        measured(client, method, url, swipe_body(codes.pop()) if codes else "")  # warm-up: caches, resolver
        rows = []
        for _ in range(count):
            data, n, total, sql = measured(client, method, url, swipe_body(codes.pop()) if codes else "")
            if expect and data.get("outcome") != expect:
                raise SystemExit(f"in-process {url}: expected {expect}, got {data.get('outcome')}")
            rows.append((n, total, sql))
        return rows

    def logged_in(user):
        client = Client()
        client.force_login(user)
        return client

    desk, floor = groups["desk"], groups["floor"]
    client = logged_in(desk["operators"][0])
    url = f"/capture/desk/{desk['slot'].pk}/swipe/"
    codes = [desk["codes"].pop() for _ in range(IN_PROCESS_SWIPES + 1 + profile)]
    floor_codes = [floor["codes"].pop() for _ in range(IN_PROCESS_SWIPES + 1)]
    report = {"sent": list(codes), "floor_sent": list(floor_codes)}
    again = codes[-5:]
    STATEMENTS.clear()
    report["swipe"] = series(client, "POST", url, codes[profile:], expect="captured")
    # The measured first swipes' statements, position by position (the warm-up's left out).
    first = STATEMENTS[1:]
    report["statements"] = [
        (first[0][i][0], statistics.median(s[i][1] for s in first if len(s) > i) * 1000) for i in range(len(first[0]))
    ]
    # A repeat writes a desk row too (its nonce is new): the record check counts them.
    report["repeat"] = [measured(client, "POST", url, swipe_body(code))[1] for code in again]
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for code in codes[:profile]:
            measured(client, "POST", url, swipe_body(code))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            int(os.environ.get("BENCH_LINES", "40"))
        )
        if os.environ.get("BENCH_CALLERS"):
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_callers(os.environ["BENCH_CALLERS"])
        report["profile"] = out.getvalue()
    floor_client = logged_in(floor["operators"][0])
    report["floor"] = series(floor_client, "POST", f"/bench/floor/{floor['slot'].pk}/swipe/", floor_codes)
    report["trivial"] = series(client, "GET", "/bench/ping/")
    dashboard = reverse("sessions_app:live_data") + f"?campaign={campaign.code}"
    report["dashboard poll"] = series(logged_in(staff), "GET", dashboard)
    return report


def desk_identity(port: int, user, slot) -> dict:
    """An operator's session and the CSRF token of their desk page, as the browser holds them."""
    cookie = pages.session_cookie(user)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Host": "127.0.0.1"}
    conn.request("GET", f"/capture/desk/{slot.pk}/", headers=headers)
    response = conn.getresponse()
    html = response.read().decode()
    csrf_cookie = re.search(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", response.getheader("Set-Cookie") or "")
    token = CSRF_INPUT.search(html)
    conn.close()
    if response.status != 200 or not csrf_cookie or not token:
        raise SystemExit(f"desk page of {user.username}: HTTP {response.status}, no CSRF token")
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}; {settings.CSRF_COOKIE_NAME}={csrf_cookie.group(1)}",
        "X-CSRFToken": token.group(1),
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "Host": "127.0.0.1",
    }


class Poller(threading.Thread):
    """The live dashboard, polled every `interval` seconds (start to start) until stopped."""

    def __init__(self, port: int, url: str, cookie: str, interval: float):
        super().__init__(daemon=True)
        self.port, self.url, self.interval = port, url, interval
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Accept": "application/json"}
        self.phase = "warm-up"
        self.samples: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.halt.is_set():
            start = time.perf_counter()
            conn, status, body = pages.send(conn, "GET", self.url, headers=self.headers)
            elapsed = time.perf_counter() - start
            if status == 200:
                self.samples.append((self.phase, elapsed))
            else:
                self.errors.append(f"{status} {body[:200]!r}")
            self.halt.wait(max(0.0, self.interval - elapsed))
        conn.close()


def captured(status, body: bytes) -> bool:
    if status != 200:
        return False
    try:
        return json.loads(body).get("outcome") == "captured"
    except ValueError:
        return False


def under_load(args, port: int, groups: dict, campaign, staff) -> dict:
    from django.urls import reverse

    desk, floor = groups["desk"], groups["floor"]
    swipe_ids = [desk_identity(port, op, desk["slot"]) for op in desk["operators"]]
    floor_ids = [desk_identity(port, op, floor["slot"]) for op in floor["operators"]]
    sent = {"desk": [], "floor": []}
    per_desk = {label: [g["codes"][i :: args.desks] for i in range(args.desks)] for label, g in groups.items()}

    def poster(label: str, url: str, identities: list):
        def next_request(client: int):
            queue = per_desk[label][client]
            if not queue:
                return None
            code = queue.pop()
            sent[label].append(code)
            return "POST", url, swipe_body(code), identities[client]

        return next_request

    trivial_headers = [{"Cookie": h["Cookie"], "Host": "127.0.0.1"} for h in swipe_ids]
    kinds = {
        "swipe": (poster("desk", f"/capture/desk/{desk['slot'].pk}/swipe/", swipe_ids), captured),
        "floor": (poster("floor", f"/bench/floor/{floor['slot'].pk}/swipe/", floor_ids), captured),
        "trivial": (lambda client: ("GET", "/bench/ping/", None, trivial_headers[client]), None),
    }
    poller = Poller(
        port,
        reverse("sessions_app:live_data") + f"?campaign={campaign.code}",
        pages.session_cookie(staff),
        args.poll_interval,
    )
    poller.start()
    runs = {kind: {"latencies": [], "errors": [], "wall": 0.0} for kind in kinds}
    try:
        for next_request, accept in kinds.values():
            pages.drive(port, next_request, concurrency=args.desks, requests=WARM_UP, seconds=60, accept=accept)
        order = list(kinds)
        per_round = args.swipes // args.rounds
        for r in range(args.rounds):
            for kind in order[r % 3 :] + order[: r % 3]:
                next_request, accept = kinds[kind]
                poller.phase = kind
                run = pages.drive(
                    port, next_request, concurrency=args.desks, requests=per_round, seconds=args.seconds, accept=accept
                )
                for key in ("latencies", "errors"):
                    runs[kind][key] += run[key]
                runs[kind]["wall"] += run["wall"]
    finally:
        poller.halt.set()
        poller.join(timeout=30)
    results = {kind: pages.summarize(r["latencies"], r["wall"], r["errors"]) for kind, r in runs.items()}
    return {"results": results, "poller": poller, "sent": sent}


def check_records(groups: dict, sent: dict, *, extra_rows: dict) -> list[str]:
    """Every swipe recorded once; 拍摄号 of each group and day 1..N. Returns the failures."""
    from capture_day.models import DeskSwipe
    from sessions_app.models import Capture, Shot

    failures = []
    for label, g in groups.items():
        codes = sent[label]
        captures = Capture.objects.filter(slot=g["slot"], undone_at__isnull=True)
        by_student = captures.values("student__id_number").annotate(n=Count("id"))
        counts = {row["student__id_number"]: row["n"] for row in by_student}
        twice = [c for c, n in counts.items() if n > 1]
        missing = [c for c in codes if c not in counts]
        if twice or missing or len(counts) != len(set(codes)) or len(codes) != len(set(codes)):
            failures.append(
                f"{label}: {len(codes)} sent, {len(counts)} captured, {len(missing)} missing, {len(twice)} twice"
            )
        swipes = DeskSwipe.objects.filter(slot=g["slot"]).count()
        if swipes != len(codes) + extra_rows.get(label, 0):
            failures.append(f"{label}: {swipes} desk rows for {len(codes)} swipes (+ {extra_rows.get(label, 0)})")
        days = Shot.objects.filter(group=g["group"]).values_list("day", flat=True).distinct()
        for day in days:
            numbers = sorted(Shot.objects.filter(group=g["group"], day=day).values_list("number", flat=True))
            if numbers != list(range(1, len(numbers) + 1)):
                failures.append(f"{label} {day}: 拍摄号 not 1..{len(numbers)}")
        shots = Shot.objects.filter(group=g["group"]).count()
        if shots != len(counts):
            failures.append(f"{label}: {shots} 拍摄号 for {len(counts)} captures")
    return failures


def ms(samples: list[float]) -> str:
    """The p95 in ms, or the largest when there are too few samples for a p95."""
    if len(samples) >= 20:
        return f"p95 {pages.p95(samples) * 1000:.1f}"
    return f"max {max(samples) * 1000:.1f}" if samples else "-"


def report(args, counts: dict, load: dict, failures: list[str]) -> None:
    import checkin_floor

    results, poller = load["results"], load["poller"]
    print(f"capture desk under load, {connection.vendor}: {args.desks} desks of one group at once")
    print(f"  in-process, one request at a time ({IN_PROCESS_SWIPES} each): queries, median ms, of which SQL")
    for kind in ("swipe", "floor", "trivial", "dashboard poll"):
        rows = counts[kind]
        queries = f"{max(n for n, _, _ in rows)}" + (
            f" + {checkin_floor.RAW_STATEMENTS} raw" if kind == "floor" else ""
        )
        total, sql = statistics.median(t for _, t, _ in rows), statistics.median(q for _, _, q in rows)
        raw = " + raw (not timed apart)" if kind == "floor" else ""
        print(f"    {kind:16}{queries:>10} queries {total:7.1f} ms  SQL {sql:5.1f} ms{raw}")
    print(f"  queries per first swipe: {max(n for n, _, _ in counts['swipe'])}; per repeat: {max(counts['repeat'])}")
    print("  a first swipe's statements, median ms each:")
    for sql, took in counts["statements"]:
        print(f"    {took:6.2f}  {sql}")
    print(
        f"  gunicorn {args.workers} sync workers, {args.desks} concurrent keep-alive clients, "
        f"{args.rounds} rounds taking turns, dashboard polled every {args.poll_interval:g} s by 1 more client"
    )
    print(f"    {'':10}{'ok':>6}{'err':>5}{'median ms':>11}{'p95 ms':>9}{'req/s':>8}")
    for kind in ("swipe", "floor", "trivial"):
        r = results[kind]
        print(f"    {kind:10}{r['ok']:6}{len(r['errors']):5}{r['median_ms']:11.1f}{r['p95_ms']:9.1f}{r['rps']:8.1f}")
        if r["errors"]:
            print(f"      errors: {sorted(set(r['errors']))[:3]}")
    polls = {kind: [s for phase, s in poller.samples if phase == kind] for kind in results}
    every = [s for phase, s in poller.samples if phase in results]
    line = ", ".join(f"during {kind} {ms(s)} ({len(s)})" for kind, s in polls.items())
    print(f"  dashboard poll: {len(every)} polls, {len(poller.errors)} errors, {ms(every)} ms ({line})")
    swipe, floor, trivial = (results[k]["p95_ms"] for k in ("swipe", "floor", "trivial"))
    ratio = swipe / floor if floor else float("inf")
    verdict = "OK" if ratio <= GOAL_RATIO and not results["swipe"]["errors"] else "NOT MET"
    print(f"  goal: swipe p95 / floor p95 <= {GOAL_RATIO} -> {ratio:.2f} {verdict}")
    print(f"  swipe p95 / trivial p95: {swipe / trivial if trivial else float('inf'):.1f}")
    print(f"  records: {'OK, every swipe recorded once, 拍摄号 1..N' if not failures else 'WRONG'}")
    for failure in failures:
        print(f"    {failure}")
    if "profile" in counts:
        print(counts["profile"])


def run(args, database_url: str) -> None:
    campaign, groups, staff = build(desks=args.desks, students=args.swipes + 200 + args.profile)
    # Autovacuum would have analysed a real database long ago; a fresh bulk load has no statistics.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if os.environ.get("BENCH_GC_FREEZE"):
        import gc

        gc.collect()
        gc.freeze()
    counts = in_process(groups, campaign, staff, profile=args.profile)
    if os.environ.get("BENCH_EXPLAIN"):
        for sql, params in EXPLAIN:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                print(sql % tuple(repr(p) for p in params))
                print("\n".join(r[0] for r in cursor.fetchall()))
    if args.in_process_only:
        rows = counts["swipe"]
        median = statistics.median(t for _, t, _ in rows)
        print(f"in-process only: {max(n for n, _, _ in rows)} queries, median {median:.1f} ms")
        for sql, took in counts["statements"]:
            print(f"    {took:6.2f}  {sql}")
        print(counts.get("profile", ""))
        return
    port = pages.free_port()
    # From the root, not bench/: celery's Django fixup puts the working directory first on sys.path,
    # where bench/api.py would shadow the project's `api` app.
    server = pages.start_gunicorn(port, args.workers, database_url, app="bench.checkin_wsgi:application", chdir=ROOT)
    try:
        load = under_load(args, port, groups, campaign, staff)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load["sent"]["desk"] += counts["sent"]
    load["sent"]["floor"] += counts["floor_sent"]
    report(args, counts, load, check_records(groups, load["sent"], extra_rows={"desk": len(counts["repeat"])}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swipes", type=int, default=600, help="measured requests of each kind (default 600)")
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=120.0, help="at most this long per round and kind")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="cProfile N in-process first swipes (env BENCH_SORT: its order, BENCH_LINES: how many lines)",
    )
    parser.add_argument("--in-process-only", action="store_true", help="stop after the in-process figures")
    args = parser.parse_args()
    # gunicorn's workers import the project again; whitenoise's note about collectstatic is noise.
    os.environ["PYTHONWARNINGS"] = "ignore:No directory at"
    if args.swipes < 20 * args.rounds:
        parser.error("--swipes must be at least 20 per round for a 95th percentile")
    if connection.vendor != "postgresql":
        raise SystemExit("bench/checkin.py needs DATABASE_URL pointing at PostgreSQL")
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_checkin_bench"
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
