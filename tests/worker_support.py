"""Helpers for the tests that start a real Celery worker as a separate process."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from tests.deployed_stack import wait_for

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The test database as a URL, so the worker process writes where the test reads."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    return wait_for(predicate, timeout=timeout, what=what, interval=interval)


class Worker:
    def __init__(self, log: Path, settings, name: str, **env):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **env,
        }
        self.log = log
        self.handle = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "photocapture", "worker", "--pool=solo", "--loglevel=INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h",
            ],
            cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: "ready." in self.text(), timeout=60, what=f"{name} to start")

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.handle.close()
