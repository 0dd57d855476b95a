"""The stack under test: its own PostgreSQL and Redis, the deployed processes under a supervisor,
and the HTTP client every simulated user drives it with (tests/deployed_stack.py, which the
production rehearsal shares, with what only the simulator needs: a recorder of every answer, a
PostgreSQL server it may restart, short job leases)."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import deployed_stack  # noqa: E402
from tests.deployed_stack import PASSWORD, DeployedStack, free_port  # noqa: E402


def wait_for(predicate, *, timeout: float, what: str):
    try:
        return deployed_stack.wait_for(predicate, timeout=timeout, what=what)
    except deployed_stack.StackTimeout as timeout_error:
        raise SystemExit(str(timeout_error)) from None


class Recorder:
    """Every HTTP answer (time, method, path, status); a reset connection is status 0."""

    def __init__(self):
        self.rows: list[tuple[float, str, str, int]] = []
        self.lock = threading.Lock()

    def add(self, method, path, status):
        with self.lock:
            self.rows.append((time.monotonic(), method, path, status))


class Browser(deployed_stack.Browser):
    """One user's cookies; every answer recorded, a reset connection recorded as status 0."""

    def __init__(self, port: int, recorder: Recorder):
        super().__init__(port, on_answer=recorder.add, tolerate_resets=True)
        self.recorder = recorder

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


class Stack(DeployedStack):
    """The deployment on a database of its own (sim_<seed>_<pid>) of the server `admin_url` names,
    Redis supervised too (a fault may kill it), and jobs with short leases so a killed worker's
    job comes back within the run."""

    SUPERVISED = ("web", "worker", "beat", "redis")

    def __init__(self, tmp: Path, admin_url: str, seed: int):
        parts = urlsplit(admin_url)
        db = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "password": parts.password or "",
        }
        env = {"JOBS_LEASE_SECONDS": "6", "JOBS_HEARTBEAT_SECONDS": "1", "CELERY_VISIBILITY_TIMEOUT": "30"}
        super().__init__(tmp, db=db, dbname=f"sim_{seed}_{os.getpid()}", env=env)
        self.postgres: OwnPostgres | None = None

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
