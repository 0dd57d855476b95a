"""The API's students endpoint at 1,000 rows a page, against a trivial token-authenticated view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_api python bench/api.py [--students 20000]

PostgreSQL only, in a throwaway database (<name>_api_bench, created, migrated and dropped here).
Builds the notice's schedule and a roster of --students (default 20,000), 80 % captured with
their fee charge and verification clock (bench/pages.py's `grow`), and a token with every scope.
Then:
1. queries per request of the students endpoint at 100 and at 1,000 rows a page (must not grow);
2. in-process, one request at a time: ms per request of /api/v1/ping (authentication, throttle,
   middleware: the floor) and of a 1,000-row page, split into SQL and Python;
3. under gunicorn (--workers sync workers, --concurrency keep-alive clients on 127.0.0.1): req/s
   of the floor and of the students endpoint walking the whole roster by its cursors (a full
   sync), with the ratio to the floor and rows per second.
The token's own throttle (6,000 a minute at most) stays above what this run sends.
"""

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import pages  # noqa: E402  (sets Django up; its roster builder, gunicorn starter and load driver)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

PAGE = 1000
PING = "/api/v1/ping"


def make_token(campaign) -> str:
    from accounts.models import Role
    from api.models import RATE_MAX, Scope
    from api.services import create_token
    from demo import seed

    staff = seed.Accounts().user("bench_staff", Role.STAFF, "教务处")
    _token, key = create_token(
        actor=staff, name="bench", campaigns=[campaign], scopes=Scope.values, rate_per_minute=RATE_MAX
    )
    return key


def cursor_urls(campaign, key: str) -> list[str]:
    """Every page of a full sync at PAGE rows, by following `next`."""
    client = Client()
    base = f"/api/v1/campaigns/{campaign.code}/students?limit={PAGE}"
    urls, url = [], base
    while url:
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} {response.content[:200]!r}")
        urls.append(url)
        following = response.json()["next"]
        url = f"{base}&cursor={following}" if following else None
    return urls


def queries(url: str, key: str) -> int:
    client = Client()
    client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")  # warm: content types, last use noted
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content[:200]
    return len(captured)


def in_process(targets: dict[str, list[str]], key: str, repeat: int) -> dict[str, tuple[float, float]]:
    from django.db.backends import utils

    execute = utils.CursorWrapper._execute
    sql = [0.0]

    def timed_execute(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return execute(self, *args, **kwargs)
        finally:
            sql[0] += time.perf_counter() - start

    client = Client()
    times = {}
    utils.CursorWrapper._execute = timed_execute
    try:
        for label, urls in targets.items():
            cycle = itertools.cycle(urls)
            client.get(next(cycle), HTTP_AUTHORIZATION=f"Bearer {key}")
            sql[0] = 0.0
            start = time.perf_counter()
            for _ in range(repeat):
                client.get(next(cycle), HTTP_AUTHORIZATION=f"Bearer {key}")
            times[label] = ((time.perf_counter() - start) / repeat * 1000, sql[0] / repeat * 1000)
    finally:
        utils.CursorWrapper._execute = execute
    return times


def load(port: int, urls: list[str], key: str, *, concurrency: int, requests: int, seconds: float) -> dict:
    headers = {"Authorization": f"Bearer {key}", "Host": "127.0.0.1"}
    cycle = itertools.cycle(urls)
    run = pages.drive(
        port,
        lambda _client: ("GET", next(cycle), None, headers),
        concurrency=concurrency,
        requests=requests,
        seconds=seconds,
    )
    return pages.summarize(run["latencies"], run["wall"], run["errors"])


def run(args, database_url: str) -> None:
    from sessions_app.models import Student

    campaign, _coordinator, _student = pages.build(args.students)
    small = Student.objects.filter(campaign=campaign).count()
    pages.grow(campaign, args.students, start_index=small)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    full = Student.objects.filter(campaign=campaign).count()
    key = make_token(campaign)
    urls = cursor_urls(campaign, key)
    base = f"/api/v1/campaigns/{campaign.code}/students"
    print(
        f"API throughput, {connection.vendor}, campaign {campaign.code}: {full} students, {len(urls)} pages of {PAGE}"
    )
    at_100, at_1000 = queries(f"{base}?limit=100", key), queries(f"{base}?limit={PAGE}", key)
    print(
        f"  queries per request: limit=100 {at_100}, limit={PAGE} {at_1000}  {'flat' if at_1000 <= at_100 else 'GROWS'}"
    )
    targets = {"ping (floor)": [PING], f"students, {PAGE} rows": urls}
    for label, (total, sql) in in_process(targets, key, args.repeat).items():
        print(f"  in-process {label:22}{total:8.1f} ms  SQL {sql:6.1f} ms  Python {total - sql:6.1f} ms")
    port = pages.free_port()
    server = pages.start_gunicorn(port, args.workers, database_url, app="photocapture.wsgi:application", chdir=ROOT)
    try:
        load(port, [PING], key, concurrency=args.concurrency, requests=40, seconds=10)  # warm-up
        floor = load(port, [PING], key, concurrency=args.concurrency, requests=args.ping_requests, seconds=args.seconds)
        load(port, urls[:2], key, concurrency=args.concurrency, requests=4, seconds=30)
        students = load(port, urls, key, concurrency=args.concurrency, requests=args.requests, seconds=args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"  gunicorn {args.workers} sync workers, {args.concurrency} keep-alive clients, 127.0.0.1")
    print(f"    {'':22}{'ok':>6}{'err':>5}{'req/s':>9}{'median ms':>11}{'p95 ms':>9}{'×floor':>8}")
    for label, r in (("ping (floor)", floor), (f"students, {PAGE} rows", students)):
        ratio = r["rps"] / floor["rps"] if floor["rps"] else 0.0
        print(
            f"    {label:22}{r['ok']:6}{len(r['errors']):5}{r['rps']:9.1f}{r['median_ms']:11.1f}"
            f"{r['p95_ms']:9.1f}{ratio:8.3f}"
        )
        if r["errors"]:
            print(f"      errors: {sorted(set(r['errors']))[:3]}")
    print(
        f"  students endpoint: {students['rps'] * PAGE:,.0f} rows/s; a full sync of {full} ≈ "
        f"{full / (students['rps'] * PAGE) if students['rps'] else 0:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=100, help="students pages under gunicorn")
    parser.add_argument("--ping-requests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20, help="in-process requests per target")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/api.py needs DATABASE_URL pointing at PostgreSQL")
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_api_bench"
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
