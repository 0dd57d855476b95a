"""Batch import of electronic photos: scaling of the job's process pool, and the job's memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_NAME python bench/photo_batch.py [--photos 1000] [--workers 2]

Builds zips of 480x640 JPEGs (varied people, sizes, positions and backdrops from
bench/photo_check.py's corpus, named by 学号) for students of a fresh campaign, then runs the
import job (jobs.services.start_job, eager Celery: the job runs in this process, as on a worker)
with PHOTO_BATCH workers = 1 (checks in the job's own process, the single-process rate) and with
--workers processes, the two taking turns over --rounds rounds in the same run, N photos each.
Prints photos per second of each, the ratio
against workers x the single-process rate (goal: at least 0.8), and the job's peak memory:
the proportional set size (PSS, shared pages split between the processes that share them) of the
job's process plus its pool's processes (the bench's own cached cut-outs dropped first), sampled
every 0.5 s (reading smaps costs the kernel time: sampling more often slowed the run it
measured), goal under 400 MB whatever the zip size
(--photos 200 and --photos 5000 show it flat). The machine may be shared: the load average and a
scaling estimated from CPU time (as if each process had a core) are printed beside the wall clock.
Each run writes its own students' photos; the campaign stays in the bench database.
Figures only; exit code 1 if below the goals.
"""

import argparse
import gc
import os
import resource
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-photo-batch-"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from jobs import imports  # noqa: E402
from jobs.models import Job  # noqa: E402
from retakes import jobkinds  # noqa: E402
from retakes.models import Channel, Reason  # noqa: E402
from sessions_app.idcard import make_id_number  # noqa: E402
from sessions_app.models import Campaign, College, Student  # noqa: E402

SCALING_GOAL = 0.8
MEMORY_GOAL_MB = 400
DISTINCT_PHOTOS = 60


def pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                found += [int(p) for p in listed.read().split()]
    except OSError:
        pass
    return found


class MemoryWatch:
    """Peak PSS of this process and its children (the pool), sampled in a thread."""

    def __init__(self, interval: float = 0.5):
        self.interval, self.peak, self.peak_pool = interval, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            pool = children(me)
            total = pss_mb(me) + sum(pss_mb(pid) for pid in pool)
            if total > self.peak:
                self.peak, self.peak_pool = total, len(pool)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _autogroups() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def build_zip(path: Path, students: list[Student], photos: list[bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:  # stored: JPEGs do not compress
        for i, student in enumerate(students):
            archive.writestr(f"{student.college.name}/{student.student_no}.jpg", photos[i % len(photos)])


def make_students(campaign: Campaign, college: College, count: int, start: int) -> list[Student]:
    rows = [
        Student(
            campaign=campaign,
            college=college,
            student_no=f"B{start + i:09d}",
            name=f"学生{start + i}",
            id_number=make_id_number(area="210202", birth=_birth(start + i), sequence=(start + i) % 1000),
            class_name="基准1班",
        )
        for i in range(count)
    ]
    return Student.objects.bulk_create(rows)


def _birth(n: int):
    import datetime

    return datetime.date(1995, 1, 1) + datetime.timedelta(days=n // 1000)


def run_job(
    zip_path: Path, campaign: Campaign, staff: User, workers: int
) -> tuple[float, float, int, Job, list[float]]:
    settings.PHOTO_BATCH = {**settings.PHOTO_BATCH, "workers": workers}
    with open(zip_path, "rb") as handle:
        staged = imports.stage(File(handle, name=zip_path.name), kind=jobkinds.STAGING)
    before = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    with MemoryWatch() as memory:
        start = time.perf_counter()
        # Eager Celery, autocommit: the job is enqueued on commit and runs here, before this returns.
        job = jobkinds.start_import(
            staged=staged, campaign=campaign, user=staff, channel=Channel.CENTRAL, reason=Reason.MISSED_SHOOT
        )
        elapsed = time.perf_counter() - start
    after = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    # CPU seconds of the job's process, and of its pool's processes (reaped when the pool shut down).
    cpu = [a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True)]
    job.refresh_from_db()
    return elapsed, memory.peak, memory.peak_pool, job, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--pool-only", action="store_true", help="only the pool's run (with --rounds 1: memory of one large zip)"
    )
    args = parser.parse_args()
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        print("needs eager Celery (no REDIS_URL): the job must run in this process to be measured")
        return 2

    import photo_check as single_bench  # bench/photo_check.py: the same corpus as the single-check figures

    started = time.perf_counter()
    photos = single_bench.build_photos(DISTINCT_PHOTOS)
    # The cut-outs the photos are made from (about 90 MB of arrays, cached by the test corpus) are
    # the bench's, not the job's: a worker never holds them, yet the job's PSS counted them.
    single_bench.corpus.cutout.cache_clear()
    gc.collect()
    code = f"bench-photos-{int(time.time())}"
    campaign = Campaign.objects.create(code=code, name=f"基准 {code}")
    college, _created = College.objects.get_or_create(name="基准学院")
    staff = User.objects.filter(username="bench-photo-staff").first() or User.objects.create_user(
        username="bench-photo-staff", password=None, role=Role.STAFF
    )
    # The two modes take turns, a slice of the photos each round (1, W, 1, W ...), so that a machine
    # others share slows both alike; each mode checks --photos photos in all, its own students each.
    per_round = max(1, args.photos // args.rounds)
    modes = (args.workers,) if args.pool_only else (1, args.workers)
    workdir = Path(tempfile.mkdtemp(prefix="bench-photo-zips-"))
    zips = []
    for r in range(args.rounds):
        for m, workers in enumerate(modes):
            students = make_students(campaign, college, per_round, start=(r * len(modes) + m) * per_round)
            for s in students:
                s.college = college
            path = workdir / f"round{r}-{workers}.zip"
            build_zip(path, students, photos)
            zips.append((workers, path))
    del students  # the bench's: the last round's Student objects were counted as the job's memory
    total = per_round * args.rounds
    print(f"corpus: {total} photos per mode in {args.rounds} rounds ({DISTINCT_PHOTOS} distinct JPEGs 480x640), "
          f"zips of {zips[0][1].stat().st_size / 1024 / 1024:.1f} MB, "
          f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f} (other processes share the cores)")

    totals = {w: {"elapsed": 0.0, "own": 0.0, "pool": 0.0, "peak": 0.0, "pool_n": 0, "counts": {}} for w in modes}
    for workers, path in zips:
        elapsed, peak, pool, job, (own_cpu, pool_cpu) = run_job(path, campaign, staff, workers)
        t = totals[workers]
        t["elapsed"] += elapsed
        t["own"] += own_cpu
        t["pool"] += pool_cpu
        t["peak"] = max(t["peak"], peak)
        t["pool_n"] = max(t["pool_n"], pool)
        for k, v in job.counts.items():
            if k != "files":
                t["counts"][k] = t["counts"].get(k, 0) + v
    results: dict = {}
    for workers in modes:
        t = totals[workers]
        results[workers] = total / t["elapsed"]
        # The rate were each process on a core of its own: the busier side (the job's process storing,
        # or the pool checking) sets the pace. An estimate from CPU time, for a machine others share.
        busiest = max(t["own"], t["pool"] / workers) if workers > 1 else t["own"]
        results[f"cpu{workers}"] = total / busiest
        results[f"peak{workers}"] = t["peak"]
        print(f"job with {workers} worker process{'es' if workers > 1 else ''}: {t['elapsed']:6.1f} s, "
              f"{results[workers]:6.1f} photos/s; CPU ms per photo: job {t['own'] * 1000 / total:.1f}, "
              f"pool {t['pool'] * 1000 / total:.1f}; peak memory {t['peak']:6.1f} MB PSS "
              f"(job + {t['pool_n']} pool processes); outcomes {t['counts']}")  # fmt: skip
    if args.pool_only:
        print(f"peak memory {results[f'peak{args.workers}']:.0f} MB (goal: under {MEMORY_GOAL_MB} MB)")
        return 0 if results[f"peak{args.workers}"] < MEMORY_GOAL_MB else 1
    single, multi = results[1], results[args.workers]
    scaling = multi / (args.workers * single)
    cpu_scaling = results[f"cpu{args.workers}"] / (args.workers * results["cpu1"])
    peak = max(results[f"peak{w}"] for w in (1, args.workers))
    print(f"scaling (wall clock): {multi:.1f} / ({args.workers} x {single:.1f}) = {scaling:.2f} "
          f"(goal: at least {SCALING_GOAL}); peak memory {peak:.0f} MB (goal: under {MEMORY_GOAL_MB} MB)")  # fmt: skip
    print(f"scaling estimated from CPU time (a core per process): {cpu_scaling:.2f}; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    if _autogroups() and os.getloadavg()[0] > (os.cpu_count() or 1):
        # Linux's autogroup shares the cores between sessions, not processes: on a machine busy with
        # other sessions this one gets its share whether it runs one process or three, and the wall
        # clock's scaling tends to 1 / workers whatever the code does.
        print("note: the kernel shares CPU time between sessions (sched_autogroup_enabled = 1) and the load "
              "is above the cores: the wall clock's scaling is capped by this session's share")  # fmt: skip
    ok = scaling >= SCALING_GOAL and peak < MEMORY_GOAL_MB
    print("goals: " + ("OK" if ok else "BELOW GOAL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
