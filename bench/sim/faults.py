"""Faults at seeded moments, each with a declared window in which a 5xx is allowed (never a 500)."""

import os
import random
import signal
import threading
import time

from .stack import Stack

FAULT_KINDS = ("worker_kill", "redis_stop", "db_terminate", "web_worker_kill", "db_restart")


# --- faults ---------------------------------------------------------------------------------


def inject(stack: Stack, kind: str, rng: random.Random) -> None:
    if kind == "worker_kill":
        # Aimed at a job in mid-run (each holds JOBS_TEST_RUN_DELAY seconds), the case that stuck.
        deadline = time.monotonic() + 6
        busy = (
            "SELECT 1 FROM jobs_job WHERE status = 'running'"
            " UNION ALL SELECT 1 FROM retakes_retakephoto WHERE check_status = 'pending'"
        )
        while time.monotonic() < deadline and not stack.q(busy):
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
