"""A campaign day on the real stack with seeded faults, then every invariant checked in SQL.

    .venv/bin/python bench/simulate.py --seed 1 [--faults 10] [--keep]

The stack is the deployed one, started through `deploy/run web|worker|beat` with production
settings (as tests/integration/test_rehearsal.py does) on a PostgreSQL server of its own (initdb
in the run's directory, run as the postgres user, on a free port; --database-url uses a shared
server instead, with a database of its own and no restart), seeded with `seed_demo --size 0.03
--no-current`, and a redis-server of its own on a free port, so its faults disturb nobody.
A supervisor restarts what exits (compose's `restart: unless-stopped`).

Load (threads, each a client with its own session, resending as the real client does; the
parts are in bench/sim/: stack.py, faults.py, load.py, money.py, photos.py, invariants.py):
- --desks desks (the demo's operator desk_jst1, one session each) swipe students of the group's
  slots, moved to today; a failed swipe (503, a reset connection) is resent with the same nonce
  until answered, as desk.js's queue does; some are resent later on purpose, some are sent twice
  at once (a duplicated request), and some are undone by the operator before their resend
  arrives (reordered); every answer to one nonce must be the same, and the resend after the
  undo captures nobody again;
- the platform posts signed callbacks; a 5xx or a reset is resent with the same transaction id,
  some are sent twice at once or twice in a row, and some earlier ones arrive again after later
  ones (reordered);
- the coordinator (coord_cs) posts cash payments with one idempotency key each, resent on a 5xx;
  some are reversed (the reversal sent twice at once, then the payment's own resend arriving
  after its reversal), some refunded (sent twice at once); then two remittances of the college,
  which 教务处 (jwc) confirms around their reversal in both orders: confirm (twice at once),
  reverse, the confirm's resend; and the reversal arriving before the confirm (twice at once);
- counselor_cs and students with an account open retake requests and upload electronic photos
  built from the face corpus (tests/retakes/data), some twice at once, some replaced by another;
- staff (jwc) click today's reminder run and exports (background jobs).
Faults at moments drawn from --seed, each with a declared window (its length + --grace seconds):
the Celery worker killed with -9 (aimed at a job or a photo check in mid-run: each job holds
2 s, JOBS_TEST_RUN_DELAY, each check 1 s, RETAKES_TEST_CHECK_DELAY), Redis stopped for a few
seconds, every PostgreSQL backend of the database terminated, a gunicorn worker killed with -9,
PostgreSQL restarted (pg_ctl restart -m fast; only its own server).

Invariants, checked with SQL of its own (not the app's code) once the work has drained:
each student captured at most once, every swipe answered "captured" recorded (but those undone
on purpose), no swipe resent after its undo capturing again; each ¥ charge once per active
capture, net of reversals; each callback transaction id posted once and every acknowledged one
posted; each cash payment key once, each form key once, each entry reversed at most once, a
payment's resend after its reversal posting nothing, a refund sent twice posted once, no account
refunded above what it paid; every account's cached totals equal to the sums of its entries;
each remittance key one remittance, each live remittance's amount and count equal to its
entries (a withdrawn one holding none), each remittance confirmed once and reversed once in the
order its requests were meant; each SMS sent at most once per delivery (lines in the file SMS
backend per number <= deliveries to it); every job ended; every photo checked, its check
recorded once, its file there and no photo file without its row; no 500 at all and no 5xx
outside a fault window.
Prints the figures; exits 1 when an invariant broke. Not yet: reminders sent during faults.
"""

import argparse
import datetime
import os
import random
import re
import shutil
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from sim.faults import FAULT_KINDS, faults
from sim.invariants import check
from sim.load import CAMPAIGN, SHANGHAI, desk, guarded, platform, staff
from sim.money import coordinator
from sim.photos import uploader
from sim.stack import OwnPostgres, Recorder, Stack, wait_for


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--swipes", type=int, default=25, help="students per desk")
    parser.add_argument("--callbacks", type=int, default=20)
    parser.add_argument("--payments", type=int, default=10)
    parser.add_argument("--exports", type=int, default=4)
    parser.add_argument("--photos", type=int, default=6, help="students whose counselor uploads a retake photo")
    parser.add_argument("--students", type=int, default=2, help="students who upload their own retake photo")
    parser.add_argument("--faults", type=int, default=len(FAULT_KINDS), help="how many (each kind in turn)")
    parser.add_argument("--window", type=float, default=40.0, help="seconds over which faults are spread")
    parser.add_argument("--grace", type=float, default=8.0, help="seconds a fault's window lasts after it")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the work to end")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="a setting of the stack (e.g. to break it)"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a shared PostgreSQL server (an admin URL); by default the run starts one of its own and may restart it",
    )
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("needs redis-server")
    rng = random.Random(args.seed)
    tmp = Path(f"/tmp/simulate-{args.seed}-{os.getpid()}")
    tmp.mkdir(parents=True)
    postgres = None
    if not args.database_url:
        if not OwnPostgres.available():
            raise SystemExit("no initdb here: pass --database-url postgres://postgres@HOST:PORT/postgres")
        postgres = OwnPostgres(tmp)
        postgres.start()
    stack = Stack(tmp, args.database_url or postgres.url, args.seed)
    stack.postgres = postgres
    stack.env |= dict(item.split("=", 1) for item in args.env)
    stack.sql(f'CREATE DATABASE "{stack.dbname}"')
    supervisor = threading.Thread(target=stack.supervise, daemon=True)
    clock = time.monotonic()
    try:
        stack.start_redis()
        supervisor.start()
        stack.start("web", ["sh", "deploy/run", "web"])
        wait_for(lambda: stack.healthz() == 200, timeout=300, what=f"gunicorn; see {stack.log('web')}")
        seeded = stack.manage("seed_demo", "--size", "0.03", "--no-current")
        # Each job holds 2 s before it runs, and each photo check 1 s between measuring and
        # recording: a worker killed at a seeded moment often holds one.
        stack.start("worker", ["sh", "deploy/run", "worker"], JOBS_TEST_RUN_DELAY="2", RETAKES_TEST_CHECK_DELAY="1")
        stack.start("beat", ["sh", "deploy/run", "beat"])
        wait_for(lambda: "ready." in stack.log("worker").read_text(errors="replace"), timeout=120, what="the worker")
        print(f"stack up in {time.monotonic() - clock:.0f}s ({len(seeded.splitlines())} lines of seed output)")

        # The operator's group captures today: its slots move to today in Shanghai (a desk opens
        # only on its group's capture days).
        today = datetime.datetime.now(SHANGHAI).date()
        group = stack.q(
            "SELECT g.capturegroup_id FROM accounts_user u JOIN accounts_user_capture_groups g ON g.user_id = u.id"
            " WHERE u.username = 'desk_jst1' LIMIT 1"
        )[0][0]
        stack.q("UPDATE sessions_app_slot SET date = %s WHERE group_id = %s", today, group)
        slots = [r[0] for r in stack.q("SELECT id FROM sessions_app_slot WHERE group_id = %s ORDER BY id", group)]
        roster = stack.q(
            "SELECT s.student_no, s.assigned_slot_id FROM sessions_app_student s JOIN sessions_app_campaign c"
            " ON c.id = s.campaign_id WHERE c.code = %s AND s.assigned_slot_id = ANY(%s) ORDER BY s.id",
            CAMPAIGN,
            slots,
        )
        everyone = [r[0] for r in stack.q(
            "SELECT s.student_no FROM sessions_app_student s JOIN sessions_app_campaign c ON c.id = s.campaign_id"
            " WHERE c.code = %s", CAMPAIGN)]  # fmt: skip
        by_slot = defaultdict(list)
        for student_no, slot_id in roster:
            by_slot[slot_id].append(student_no)
        desk_slots = sorted(by_slot, key=lambda s: -len(by_slot[s]))[: args.desks] or slots[: args.desks]
        cs = [r[0] for r in stack.q(
            "SELECT s.student_no FROM sessions_app_student s JOIN sessions_app_campaign c ON c.id = s.campaign_id"
            " JOIN accounts_user_colleges uc ON uc.college_id = s.college_id JOIN accounts_user u ON u.id = uc.user_id"
            " WHERE c.code = %s AND u.username = 'coord_cs'", CAMPAIGN)]  # fmt: skip

        recorder = Recorder()
        answers = defaultdict(list)
        stop = threading.Event()
        # A shared server is not restarted: it has other users.
        usable = [k for k in FAULT_KINDS if k != "db_restart" or stack.postgres is not None]
        kinds = [usable[i % len(usable)] for i in range(args.faults)]
        plan = sorted((rng.uniform(3, args.window), kind) for kind in kinds)
        windows: list = []
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=guarded(desk, answers),
                args=(
                    stack,
                    recorder,
                    slot_id,
                    [rng.choice(by_slot[slot_id] or everyone) for _ in range(args.swipes)],
                    random.Random(rng.random()),
                    answers,
                    stop,
                ),
            )  # fmt: skip
            for slot_id in desk_slots
        ]
        clients = [
            (platform, (everyone, random.Random(rng.random()), answers, stop, args.callbacks)),
            (coordinator, (cs or everyone, random.Random(rng.random()), answers, stop, args.payments)),
            (staff, (random.Random(rng.random()), answers, stop, args.exports)),
        ]
        # Retake photos: the counselor's students (none with an account, so the two never meet),
        # and students with an account uploading their own.
        counselees = [r[0] for r in stack.q(
            "SELECT s.student_no FROM sessions_app_student s JOIN sessions_app_campaign c ON c.id = s.campaign_id"
            " JOIN accounts_user u ON u.id = s.counselor_id WHERE c.code = %s AND u.username = 'counselor_cs'"
            " AND s.user_id IS NULL ORDER BY s.id", CAMPAIGN)]  # fmt: skip
        selves = [r[0] for r in stack.q(
            "SELECT s.student_no FROM sessions_app_student s JOIN sessions_app_campaign c ON c.id = s.campaign_id"
            " JOIN accounts_user u ON u.id = s.user_id WHERE c.code = %s AND u.username = s.student_no"
            " ORDER BY s.id", CAMPAIGN)]  # fmt: skip
        clients.append(
            (
                uploader,
                (
                    "counselor_cs",
                    rng.sample(counselees, min(args.photos, len(counselees))),
                    random.Random(rng.random()),
                    answers,
                    stop,
                ),
            )  # fmt: skip
        )
        for student_no in rng.sample(selves, min(args.students, len(selves))):
            clients.append((uploader, (student_no, [student_no], random.Random(rng.random()), answers, stop)))
        threads += [
            threading.Thread(target=guarded(client, answers), args=(stack, recorder, *rest)) for client, rest in clients
        ]
        fault_thread = threading.Thread(target=faults, args=(stack, plan, started, windows, args.grace, stop))
        for thread in [*threads, fault_thread]:
            thread.start()
        for thread in threads:
            thread.join()
        fault_thread.join()
        load_seconds = time.monotonic() - started
        # Drain: the sweepers finish what the faults interrupted.
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            busy = stack.q(
                "SELECT (SELECT count(*) FROM jobs_job WHERE status IN ('queued', 'running'))"
                " + (SELECT count(*) FROM retakes_retakephoto WHERE check_status = 'pending')"
                " + (SELECT count(*) FROM notifications_delivery WHERE status IN ('pending', 'sending'))"
            )[0][0]
            if not busy:
                break
            time.sleep(2)
        drained = time.monotonic() - started - load_seconds

        statuses = Counter(status for *_, status in recorder.rows)
        print(f"seed {args.seed}: {len(recorder.rows)} requests in {load_seconds:.0f}s, drained in {drained:.0f}s")
        print("  answers: " + ", ".join(f"{s or 'reset'}: {n}" for s, n in sorted(statuses.items())))
        refused = Counter(
            (method, re.sub(r"\d+", "N", path.split("?")[0]), status)
            for _, method, path, status in recorder.rows
            if status == 0 or status >= 400
        )
        print("  not 2xx/3xx: " + ", ".join(f"{m} {p} {s or 'reset'} ×{n}" for (m, p, s), n in sorted(refused.items())))
        print(f"  swipes {len(answers['swipes'])} (undone then resent {len(answers['undone'])}), "
              f"callbacks {len(answers['callbacks'])}, payments {len(answers['payments'])} "
              f"(reversed {len(answers['reversals'])}, refunded {len(answers['refunds'])}), "
              f"remittances {len(answers['remittances'])}, photo uploads {len(answers['uploads'])}, "
              f"exports {len(answers['exports'])}")  # fmt: skip
        if refusals := Counter(answers["payment_refusals"]):
            print("  payments refused: " + "; ".join(f"{m} ×{n}" for m, n in refusals.items()))
        for kind, begin, end in windows:
            print(f"  fault {kind} at {begin - started:.1f}s, window {end - begin:.1f}s")
        print(f"  restarted by the supervisor: {dict(stack.restarts) or 'none'}")
        resumed = stack.q("SELECT count(*) FROM jobs_job WHERE interruptions <> '[]'::jsonb")[0][0]
        print(f"  jobs taken over after their worker died: {resumed}")
        results = check(stack, answers, recorder, windows)
        for name, ok, detail in results:
            print(f"  {'ok  ' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""))
        broken = [name for name, ok, _ in results if not ok]
        print(f"seed {args.seed}: {len(broken)} invariant(s) broken")
        return 1 if broken else 0
    finally:
        stack.stopping.set()
        if supervisor.is_alive():
            supervisor.join(timeout=5)
        for name in list(stack.procs):
            stack.stop(name)
        if args.keep:
            print(f"kept: database {stack.dbname}, logs in {tmp}" + (" (server stopped)" if postgres else ""))
        elif postgres is None:
            stack.sql(f'DROP DATABASE IF EXISTS "{stack.dbname}" WITH (FORCE)')
        if postgres is not None:
            postgres.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
