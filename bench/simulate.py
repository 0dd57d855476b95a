"""A campaign day on the real stack with seeded faults, then every invariant checked in SQL.

    .venv/bin/python bench/simulate.py --seed 1 [--faults 10] [--keep]

The stack is the deployed one, started through `deploy/run web|worker|beat` with production
settings (as tests/integration/test_rehearsal.py does) on a PostgreSQL server of its own (initdb
in the run's directory, run as the postgres user, on a free port; --database-url uses a shared
server instead, with a database of its own and no restart), seeded with `seed_demo --size 0.03
--no-current`, and a redis-server of its own on a free port, so its faults disturb nobody.
A supervisor restarts what exits (compose's `restart: unless-stopped`).

Load (threads, each a client with its own session, resending as the real client does):
- --desks desks (the demo's operator desk_jst1, one session each) swipe students of the group's
  slots, moved to today; a failed swipe (503, a reset connection) is resent with the same nonce
  until answered, as desk.js's queue does; some are resent later on purpose and some are sent
  twice at once (a duplicated request), and every answer to one nonce must be the same;
- the platform posts signed callbacks; a 5xx or a reset is resent with the same transaction id,
  and some are sent twice on purpose;
- the coordinator (coord_cs) posts cash payments with one idempotency key each, resent on a 5xx;
- staff (jwc) click exports (background jobs).
Faults at moments drawn from --seed, each with a declared window (its length + --grace seconds):
the Celery worker killed with -9 (aimed at a job in mid-run: each holds 2 s,
JOBS_TEST_RUN_DELAY), Redis stopped for a few seconds, every PostgreSQL backend of
the database terminated, a gunicorn worker killed with -9, PostgreSQL restarted (pg_ctl restart
-m fast; only its own server).

Invariants, checked with SQL of its own (not the app's code) once the work has drained:
each student captured at most once; each ¥ charge once per active capture, net of reversals;
each callback transaction id posted once and every acknowledged one posted; each cash payment
key once; every account's cached totals equal to the sums of its entries; each SMS sent at most
once per delivery (lines in the file SMS backend per number <= deliveries to it); every job
ended; every photo checked; no 500 at all and no 5xx outside a fault window.
Prints the figures; exits 1 when an invariant broke. Not yet: refunds/waivers/reversals in the
load, reminders sent during faults, photo uploads, duplicated and reordered requests at the proxy.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from collections import Counter, defaultdict
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PASSWORD = "demo-2021"
CAMPAIGN = "2021"
FAULT_KINDS = ("worker_kill", "redis_stop", "db_terminate", "web_worker_kill", "db_restart")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Every HTTP answer (time, method, path, status); a reset connection is status 0."""

    def __init__(self):
        self.rows: list[tuple[float, str, str, int]] = []
        self.lock = threading.Lock()

    def add(self, method, path, status):
        with self.lock:
            self.rows.append((time.monotonic(), method, path, status))


class Browser:
    """One user's cookies over plain HTTP, as a TLS proxy in front of gunicorn passes them on."""

    def __init__(self, port: int, recorder: Recorder):
        self.port, self.recorder = port, recorder
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, data=None, body=None, headers=None, json_answer=False):
        head = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            head.setdefault("Origin", self.origin)
            head.setdefault("Referer", self.origin + path)
            if "csrftoken" in self.cookies:
                head.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        if data is not None:
            body = urlencode(data)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if json_answer:
            head["Accept"] = "application/json"
            head["X-Requested-With"] = "fetch"
        try:
            conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            content = response.read()
            conn.close()
        except OSError:  # reset or refused: a killed gunicorn worker, a restart
            self.recorder.add(method, path, 0)
            return 0, {}, ""
        self.recorder.add(method, path, response.status)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content.decode("utf-8", errors="replace")

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def login(self, username):
        for _ in range(20):
            self.get("/accounts/login/")
            status, _, _ = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
            if status == 302:
                return
            time.sleep(0.5)
        raise SystemExit(f"{username} could not log in")


def until_answered(send, *args, attempts=40, pause=0.5, **kwargs):
    """send(*args, **kwargs) again (same nonce, same key) until the server answers other than 5xx
    or a reset, as the desk's queue and the payment platform do."""
    for _ in range(attempts):
        status, headers, body = send(*args, **kwargs)
        if status and status < 500:
            return status, body
        time.sleep(pause)
    return status, body


class OwnPostgres:
    """A PostgreSQL server of the run's own (initdb in its directory, run as the postgres user), so
    a fault may restart it as a real outage does; --database-url instead uses a shared server."""

    def __init__(self, tmp: Path):
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.dir = tmp / "pg"
        self.port = free_port()

    @staticmethod
    def available() -> bool:
        return bool(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))) and shutil.which("runuser") is not None

    def run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise SystemExit(f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}")

    def start(self):
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync")
        self.pg_ctl("start")

    def pg_ctl(self, action, *extra):
        # -l every time: a server started without it keeps pg_ctl's output pipe open, and we would
        # wait on that pipe for ever.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        log = str(self.dir / "server.log")
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-o", options, "-l", log, *extra, "-w", action)

    def restart(self):
        """A fast restart: every connection dropped, the server back within a second or two."""
        self.pg_ctl("restart", "-m", "fast")

    def stop(self):
        self.pg_ctl("stop", "-m", "immediate")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


class Stack:
    def __init__(self, tmp: Path, admin_url: str, seed: int):
        self.tmp = tmp
        self.procs: dict[str, tuple[subprocess.Popen, object]] = {}
        self.commands: dict[str, tuple[list[str], dict]] = {}
        self.restarts: Counter = Counter()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.port, self.redis_port = free_port(), free_port()
        parts = urlsplit(admin_url)
        self.db = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "password": parts.password or "",
        }
        self.dbname = f"sim_{seed}_{os.getpid()}"
        self.postgres: OwnPostgres | None = None
        self.callback_secret = secrets.token_hex(16)
        auth = self.db["user"] + (f":{self.db['password']}" if self.db["password"] else "")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "SMS_"))}
        env.pop("REDIS_URL", None)
        self.env = env | {
            "DJANGO_SETTINGS_MODULE": "photocapture.settings",
            "PYTHON": sys.executable,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"postgres://{auth}@{self.db['host']}:{self.db['port']}/{self.dbname}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.port}",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp / "mail"),
            "SMS_BACKEND": "notifications.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(tmp / "sms.log"),
            "FEES_CALLBACK_SECRET": self.callback_secret,
            "COLLECTION_CODE_KEY": secrets.token_urlsafe(32),
            "MEDIA_ROOT": str(tmp / "media"),
            "STATIC_ROOT": str(tmp / "static"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "CELERY_WORKER_CONCURRENCY": "1",
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp / "beat-schedule"),
            # Sweepers every few seconds and short leases, so work lost to a fault comes back in the run.
            "BEAT_SWEEP_EVERY_SECONDS": "3",
            "RETAKES_RECHECK_PENDING_AFTER_SECONDS": "3",
            "NOTIFICATIONS_REQUEUE_PENDING_AFTER_SECONDS": "3",
            "JOBS_REQUEUE_QUEUED_AFTER_SECONDS": "3",
            "JOBS_LEASE_SECONDS": "6",
            "JOBS_HEARTBEAT_SECONDS": "1",
            "CELERY_VISIBILITY_TIMEOUT": "30",
        }

    def log(self, name) -> Path:
        return self.tmp / f"{name}.log"

    def start(self, name, command, **env):
        handle = self.log(name).open("a")
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **env}, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        with self.lock:
            self.procs[name] = (proc, handle)
            self.commands[name] = (command, env)
        return proc

    def supervise(self):
        while not self.stopping.wait(1.0):
            for name in ("web", "worker", "beat", "redis"):
                with self.lock:
                    entry = self.procs.get(name)
                if entry and entry[0].poll() is not None and not self.stopping.is_set():
                    entry[1].close()
                    self.restarts[name] += 1
                    command, env = self.commands[name]
                    self.start(name, command, **env)

    def stop(self, name, sig=signal.SIGTERM):
        with self.lock:
            proc, handle = self.procs.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        handle.close()

    def manage(self, *args) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=900
        )
        if result.returncode:
            raise SystemExit(f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def sql(self, statement, *params, dbname=None):
        conn = psycopg2.connect(dbname=dbname or "postgres", **self.db)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else None
        finally:
            conn.close()

    def q(self, statement, *params):
        return self.sql(statement, *params, dbname=self.dbname)

    def redis_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start_redis(self):
        (self.tmp / "redis").mkdir(exist_ok=True)
        command = [shutil.which("redis-server"), "--port", str(self.redis_port), "--bind", "127.0.0.1",
                   "--dir", str(self.tmp / "redis"), "--appendonly", "yes", "--save", ""]  # fmt: skip
        self.start("redis", command)
        wait_for(self.redis_up, timeout=30, what="redis-server")

    def healthz(self) -> int:
        try:
            conn = HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"})
            return conn.getresponse().status
        except OSError:
            return 0

    def web_workers(self) -> list[int]:
        """gunicorn's worker processes: the children of its master."""
        with self.lock:
            master = self.procs["web"][0].pid
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(stat.parent.name))
        return children


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


# --- faults ---------------------------------------------------------------------------------


def inject(stack: Stack, kind: str, rng: random.Random) -> None:
    if kind == "worker_kill":
        # Aimed at a job in mid-run (each holds JOBS_TEST_RUN_DELAY seconds), the case that stuck.
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and not stack.q("SELECT 1 FROM jobs_job WHERE status = 'running'"):
            time.sleep(0.2)
        with stack.lock:
            proc = stack.procs["worker"][0]
        os.killpg(proc.pid, signal.SIGKILL)  # the supervisor starts it again
    elif kind == "redis_stop":
        stack.stop("redis")
        time.sleep(rng.uniform(2, 5))
        stack.start_redis()
    elif kind == "db_restart":
        stack.postgres.restart()
    elif kind == "db_terminate":
        stack.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", stack.dbname)
    elif kind == "web_worker_kill":
        workers = stack.web_workers()
        if workers:
            os.kill(rng.choice(workers), signal.SIGKILL)  # gunicorn's master starts another


def faults(stack: Stack, plan, started: float, windows: list, grace: float, stop: threading.Event):
    for at, kind in plan:
        if stop.wait(max(0.0, started + at - time.monotonic())):
            return
        begin = time.monotonic()
        try:
            inject(stack, kind, random.Random(f"{at}:{kind}"))  # a str seed is the same in every process
        finally:
            windows.append((kind, begin, time.monotonic() + grace))


# --- load -----------------------------------------------------------------------------------


def guarded(target, answers):
    """A client that crashes is a failed run, not a quiet thread."""

    def run(*args):
        try:
            target(*args)
        except Exception as exc:  # noqa: BLE001 - reported as an invariant break
            answers["crashes"].append(f"{target.__name__}: {exc!r}")
            raise

    return run


def desk(stack, recorder, slot_id, students, rng, answers, stop):
    browser = Browser(stack.port, recorder)
    browser.login("desk_jst1")
    path = f"/capture/desk/{slot_id}/"
    browser.get(path)

    def send(client, data):
        status, body = until_answered(client.post, path + "swipe/", data, json_answer=True)
        if status == 200:
            answer = json.loads(body)
            answers["swipes"].append((data["code"], answer["outcome"]))
            answers["nonces"].append((data["nonce"], answer["outcome"], answer.get("capture_id")))
        return status

    for student_no in students:
        if stop.is_set():
            return
        data = {"code": student_no, "nonce": str(uuid.uuid4())}
        duplicate = rng.random()
        if duplicate < 0.1:
            # Duplicated in flight (a proxy's retry): the same swipe twice at once, two connections.
            twin = Browser(stack.port, recorder)
            twin.cookies = dict(browser.cookies)
            other = threading.Thread(target=send, args=(twin, data))
            other.start()
            status = send(browser, data)
            other.join()
        else:
            status = send(browser, data)
            if duplicate < 0.2:  # resent later, as the desk's queue does after a lost answer
                status = send(browser, data)
        if status == 403:  # a session lost to a fault: log in again
            browser.login("desk_jst1")
            browser.get(path)
        time.sleep(rng.uniform(0.2, 0.8))


def platform(stack, recorder, student_nos, rng, answers, stop, count):
    browser = Browser(stack.port, recorder)
    for _ in range(count):
        if stop.is_set():
            return
        tid = f"SIM-{uuid.uuid4().hex[:16]}"
        payload = json.dumps({
            "transaction_id": tid, "student_no": rng.choice(student_nos), "campaign": CAMPAIGN, "amount": "17.00",
            "paid_at": datetime.datetime.now(SHANGHAI).isoformat(timespec="seconds"), "method": "campus_platform",
        }).encode()  # fmt: skip
        signature = "sha256=" + hmac.new(stack.callback_secret.encode(), payload, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Signature": signature}
        times = 2 if rng.random() < 0.2 else 1  # the platform notifies twice
        for _ in range(times):
            status, body = until_answered(browser.request, "POST", "/fees/callback/", body=payload, headers=headers)
            answers["callbacks"].append((tid, status, json.loads(body).get("status") if body else None))
        time.sleep(rng.uniform(0.3, 1.2))


def coordinator(stack, recorder, student_nos, rng, answers, stop, count):
    browser = Browser(stack.port, recorder)
    browser.login("coord_cs")
    browser.get("/fees/entry/")
    for _ in range(count):
        if stop.is_set():
            return
        status, body = until_answered(browser.post, "/fees/lookup/", {"q": rng.choice(student_nos)}, json_answer=True)
        if status != 200:
            continue
        card = json.loads(body)
        if not card.get("student") or not card.get("key"):
            continue
        data = {"student": card["student"]["id"], "amount": "17.00", "method": "cash", "idempotency_key": card["key"],
                "note": ""}  # fmt: skip
        status, body = until_answered(browser.post, "/fees/entry/", data, json_answer=True)
        answers["payments"].append((card["key"], status))
        time.sleep(rng.uniform(0.5, 1.5))


def staff(stack, recorder, rng, answers, stop, count):
    browser = Browser(stack.port, recorder)
    browser.login("jwc")
    # Today's reminder run (SMS to the overdue 2021 students), clicked twice: the worker sends
    # while the faults strike, and nobody may get the same SMS twice.
    for _ in range(2):
        browser.get(f"/verification/?campaign={CAMPAIGN}")
        # The button asks first (notifications/bulk.py); the confirmed form starts the job.
        status, _ = until_answered(browser.post, f"/verification/reminders/send/?campaign={CAMPAIGN}", {"confirm": "1"})
        answers["exports"].append(("reminders", status))
    for _ in range(count):
        if stop.is_set():
            return
        browser.get(f"/capture/staff/?campaign={CAMPAIGN}")
        name = rng.choice(["roster", "attendance", "fees"])
        status, headers, _ = browser.post(f"/exports/{name}/?campaign={CAMPAIGN}")
        answers["exports"].append((name, status))
        time.sleep(rng.uniform(2, 5))


# --- invariants -------------------------------------------------------------------------------


def check(stack: Stack, answers, recorder: Recorder, windows) -> list[tuple[str, bool, str]]:
    q = stack.q
    results = []

    def add(name, ok, detail=""):
        results.append((name, bool(ok), detail))

    add("every client ran to its end", not answers["crashes"], "; ".join(answers["crashes"]))
    by_nonce = defaultdict(set)
    for nonce, outcome, capture_id in answers["nonces"]:
        by_nonce[nonce].add((outcome, capture_id))
    sent_again = [n for n, seen in by_nonce.items() if sum(1 for a in answers["nonces"] if a[0] == n) > 1]
    differ = [n for n, seen in by_nonce.items() if len(seen) > 1]
    add("a swipe sent again gets the same answer", not differ, f"{len(sent_again)} sent again, {len(differ)} differ")
    twice = q("SELECT student_id FROM sessions_app_capture WHERE undone_at IS NULL GROUP BY 1 HAVING count(*) > 1")
    add("each student captured at most once", not twice, f"{len(twice)} twice")
    captured = {no for no, outcome in answers["swipes"] if outcome in ("captured", "already_captured")}
    missing = q(
        "SELECT count(*) FROM sessions_app_student s WHERE s.student_no = ANY(%s) AND NOT EXISTS"
        " (SELECT 1 FROM sessions_app_capture c WHERE c.student_id = s.id AND c.undone_at IS NULL)",
        sorted(captured),
    )[0][0]
    add("every swipe answered 'captured' is recorded", missing == 0, f"{missing} missing of {len(captured)}")
    charges = q(
        "SELECT a.student_id, sum(CASE WHEN e.kind = 'charge' THEN 1"
        " WHEN e.kind = 'reversal' AND e.reversed_kind = 'charge' THEN -1 ELSE 0 END),"
        " EXISTS (SELECT 1 FROM sessions_app_capture c WHERE c.student_id = a.student_id AND c.undone_at IS NULL),"
        " c.fee_per_person"
        " FROM fees_feeaccount a JOIN fees_entry e ON e.account_id = a.id"
        " JOIN sessions_app_campaign c ON c.id = a.campaign_id GROUP BY a.student_id, c.fee_per_person"
    )
    wrong = [r for r in charges if r[1] != (1 if r[2] and r[3] > 0 else 0)]
    add("each charge once per active capture, net of reversals", not wrong, f"{len(wrong)} accounts off")
    posted = Counter(
        r[0]
        for r in q(
            "SELECT note_data->>'transaction_id' FROM fees_entry WHERE kind = 'payment' AND note_code = %s",
            "platform_payment",
        )  # fmt: skip
    )
    acknowledged = {tid for tid, status, outcome in answers["callbacks"] if outcome in ("posted", "duplicate")}
    add(
        "each callback id posted once, every acknowledged one posted",
        all(n == 1 for n in posted.values()) and acknowledged <= set(posted),
        f"{sum(n > 1 for n in posted.values())} twice, {len(acknowledged - set(posted))} lost",
    )
    keys = [key for key, status in answers["payments"] if status == 200]
    # Stored in the form's namespace ("client:<user>:payment:<key>"): matched by the key's tail.
    form_keys = q("SELECT idempotency_key FROM fees_entry WHERE idempotency_key LIKE 'client:%%'")
    stored = Counter(r[0].rsplit(":", 1)[-1] for r in form_keys)
    add("each acknowledged cash payment posted once", all(stored[k] == 1 for k in keys), f"{len(keys)} keys")
    off = q(
        "SELECT a.id FROM fees_feeaccount a LEFT JOIN ("
        " SELECT account_id,"
        "  sum(CASE WHEN COALESCE(reversed_kind, kind) = 'charge' THEN CASE WHEN kind = 'reversal' THEN -amount"
        "   ELSE amount END ELSE 0 END) AS charged,"
        "  sum(CASE WHEN COALESCE(reversed_kind, kind) = 'waiver' THEN CASE WHEN kind = 'reversal' THEN -amount"
        "   ELSE amount END ELSE 0 END) AS waived,"
        "  sum(CASE COALESCE(reversed_kind, kind) WHEN 'payment' THEN 1 WHEN 'refund' THEN -1 ELSE 0 END"
        "   * CASE WHEN kind = 'reversal' THEN -amount ELSE amount END) AS paid"
        " FROM fees_entry GROUP BY account_id) s ON s.account_id = a.id"
        " WHERE a.charged <> COALESCE(s.charged, 0) OR a.waived <> COALESCE(s.waived, 0)"
        " OR a.paid <> COALESCE(s.paid, 0) OR a.balance <> a.charged - a.waived - a.paid"
    )
    add("account totals equal their entries", not off, f"{len(off)} accounts off")
    sms_file = Path(stack.env["SMS_FILE_PATH"])
    text = sms_file.read_text() if sms_file.exists() else ""
    records = [json.loads(line) for line in text.splitlines()]
    # A delivery's provider key (the file backend writes it) at most once; a line without one
    # counts against its number: no more lines than deliveries to that number.
    keyed = Counter(r["key"] for r in records if r.get("key"))
    lines = Counter(r["phone"] for r in records if not r.get("key"))
    per_address = Counter(
        dict(q("SELECT address, count(*) FROM notifications_delivery WHERE channel = 'sms' GROUP BY 1"))
    )
    resent = [key for key, n in keyed.items() if n > 1] + [p for p, n in lines.items() if n > per_address.get(p, 0)]
    states = dict(q("SELECT status, count(*) FROM notifications_delivery GROUP BY 1"))
    add("each SMS sent at most once", not resent, f"{len(records)} sent, {len(resent)} twice; deliveries {states}")
    active = q("SELECT status, count(*) FROM jobs_job WHERE status IN ('queued', 'running') GROUP BY 1")
    add("every job ended", not active, str(dict(active)))
    pending = q("SELECT count(*) FROM retakes_retakephoto WHERE check_status = 'pending'")[0][0]
    add("every photo checked", pending == 0, f"{pending} pending")
    statuses = Counter(status for *_, status in recorder.rows)
    add("no 500 at all", statuses[500] == 0, f"{statuses[500]} × 500")
    outside = [
        (method, path, status)
        for at, method, path, status in recorder.rows
        if status >= 500 and not any(begin <= at <= end for _, begin, end in windows)
    ]
    add("no 5xx outside a fault window", not outside, "; ".join(f"{m} {p} {s}" for m, p, s in outside[:5]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--swipes", type=int, default=25, help="students per desk")
    parser.add_argument("--callbacks", type=int, default=20)
    parser.add_argument("--payments", type=int, default=10)
    parser.add_argument("--exports", type=int, default=4)
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
        # Each job holds 2 s before it runs: a worker killed at a seeded moment often holds one.
        stack.start("worker", ["sh", "deploy/run", "worker"], JOBS_TEST_RUN_DELAY="2")
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
        print(f"  swipes {len(answers['swipes'])}, callbacks {len(answers['callbacks'])}, "
              f"payments {len(answers['payments'])}, exports {len(answers['exports'])}")  # fmt: skip
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
