"""The stack under test: its own PostgreSQL and Redis, the deployed processes under a supervisor,
and the HTTP client every simulated user drives it with."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-2021"


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
