"""The deployed stack as compose starts it (gunicorn, a Celery worker and beat, each through
deploy/run) with a Redis of its own, and the HTTP client its users drive it with. Shared by the
production rehearsal (tests/integration/test_rehearsal.py) and the fault simulator
(bench/simulate.py), so both run the stack with one environment and one supervisor."""

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
from collections.abc import Callable, Iterable
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-2021"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StackTimeout(AssertionError):
    """What the stack was waited for did not happen in time (an AssertionError: a test's failure)."""


def wait_for(
    predicate: Callable,
    *,
    timeout: float,
    what: str,
    logs: Iterable[Path] = (),
    quiet: Callable = str,
    interval: float = 0.5,
):
    """predicate()'s first true value, asked every `interval` seconds: bounded polling, since
    another OS process does the work and no test clock reaches it. On timeout, the tails of `logs`
    (each passed through `quiet`, which may drop lines that would push what matters out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tails = "\n".join(
        f"--- {log.name} ---\n{quiet(log.read_text(errors='replace'))[-4000:]}" for log in logs if log.exists()
    )
    raise StackTimeout(f"timed out after {timeout}s waiting for {what}\n{tails}")


class Browser:
    """One user's cookies over plain HTTP, as a TLS proxy in front of gunicorn passes them on. A
    reset or refused connection (a killed gunicorn worker, a restart) answers status 0 when
    `tolerate_resets`, and raises otherwise; `on_answer(method, path, status)` sees every answer."""

    def __init__(self, port: int, *, on_answer: Callable | None = None, tolerate_resets: bool = False):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.on_answer = on_answer
        self.tolerate_resets = tolerate_resets

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
        except OSError:
            if not self.tolerate_resets:
                raise
            self._answered(method, path, 0)
            return 0, {}, ""
        self._answered(method, path, response.status)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content.decode("utf-8", errors="replace")

    def _answered(self, method, path, status):
        if self.on_answer is not None:
            self.on_answer(method, path, status)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data=data, **kwargs)


class DeployedStack:
    """The processes of one deployment, started with one environment (a deployment's own: compose
    shares one `environment` anchor between web, worker and beat), restarted when they exit as
    compose's `restart: unless-stopped` does, on a database `dbname` of the PostgreSQL server
    `db` and a Redis server of the stack's own on a free port."""

    SUPERVISED = ("web", "worker", "beat")

    def __init__(self, tmp: Path, *, db: dict, dbname: str, env: dict | None = None):
        self.tmp = tmp
        self.db = db
        self.dbname = dbname
        self.procs: dict[str, tuple[subprocess.Popen, object]] = {}
        self.commands: dict[str, tuple[list[str], dict]] = {}
        self.restarts: Counter = Counter()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.port, self.redis_port = free_port(), free_port()
        self.callback_secret = secrets.token_hex(16)
        auth = db["user"] + (f":{db['password']}" if db["password"] else "")
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "SMS_"))}
        inherited.pop("REDIS_URL", None)
        self.env = (
            inherited
            | {
                "DJANGO_SETTINGS_MODULE": "photocapture.settings",
                "PYTHON": sys.executable,
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DATABASE_URL": f"postgres://{auth}@{db['host']}:{db['port']}/{dbname}",
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
                # Sweepers every few seconds, so work lost to a fault comes back within the run.
                "BEAT_SWEEP_EVERY_SECONDS": "3",
                "RETAKES_RECHECK_PENDING_AFTER_SECONDS": "3",
                "NOTIFICATIONS_REQUEUE_PENDING_AFTER_SECONDS": "3",
                "JOBS_REQUEUE_QUEUED_AFTER_SECONDS": "3",
            }
            | (env or {})
        )

    def log(self, name) -> Path:
        return self.tmp / f"{name}.log"

    def logs(self) -> list[Path]:
        return [self.log(name) for name in ("redis", *self.SUPERVISED)]

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
        """compose's `restart: unless-stopped`: a process that exits is started again. (A Celery
        worker exits when the broker vanishes while it holds an unacknowledged message: kombu
        cannot restore the message to a broker that is gone.)"""
        while not self.stopping.wait(1.0):
            for name in self.SUPERVISED:
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

    def stop_all(self):
        self.stopping.set()
        for name in list(self.procs):
            self.stop(name)

    def manage(self, *args, timeout: float = 900) -> str:
        command = [sys.executable, "manage.py", *args]
        result = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise StackTimeout(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def sql(self, statement, *params, dbname="postgres"):
        conn = psycopg2.connect(dbname=dbname, **self.db)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else None
        finally:
            conn.close()

    def q(self, statement, *params):
        """A statement on the stack's own database."""
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
        # As compose runs it (append-only file), on a port of its own.
        command = [shutil.which("redis-server"), "--port", str(self.redis_port), "--bind", "127.0.0.1",
                   "--dir", str(self.tmp / "redis"), "--appendonly", "yes", "--save", ""]  # fmt: skip
        self.start("redis", command)
        wait_for(self.redis_up, timeout=30, what="redis-server", logs=self.logs())

    def healthz(self) -> int:
        try:
            conn = HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"})
            return conn.getresponse().status
        except OSError:
            return 0
