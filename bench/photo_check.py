"""Throughput and memory of the retake photo check.

    python bench/photo_check.py [--photos 40] [--rounds 3]

Builds 480x640 JPEGs from the multi-person test corpus (tests/retakes/corpus.py: eight real
people, four of them East Asian, with real and drawn glasses and long hair, at varied sizes,
positions and backdrops), then prints photos checked per second against a bare Pillow decode of
the same files, how many decodes one check costs against its goal, where that time goes (decode,
dlib's face detector, its landmark predictor, the backdrop separation and measures, in CPU ms and
in bare decodes), and peak memory per check.
Figures only; no asserts beyond the exit code: 1 if the check is below its floors.
"""

import argparse
import io
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()  # settings and translations only; the check never touches the database

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from retakes.photo_check import check_photo  # noqa: E402
from tests.retakes import corpus  # noqa: E402

# A self-check should answer "within a few seconds" even on a busy server: at 5 photos/s one
# check costs 0.2 s of one core. Issue 10's goal: one check costs at most 8 bare decodes.
FLOOR_PHOTOS_PER_SECOND = 5.0
MAX_DECODES_PER_CHECK = 8.0


def build_photos(count: int) -> list[bytes]:
    rng = np.random.default_rng(7)
    backgrounds = [
        corpus.solid(),
        corpus.solid((120, 205, 250)),
        corpus.vertical_gradient((100, 197, 255), (60, 150, 220)),
        corpus.solid((128, 128, 128)),
        corpus.solid((250, 250, 250)),
    ]
    people = list(corpus.PEOPLE)
    photos = []
    for i in range(count):
        rgb, _ = corpus.compose(
            people[i % len(people)],
            face_width=float(rng.uniform(170, 300)),
            eye_line=float(rng.uniform(200, 290)),
            centre_x=float(rng.uniform(200, 280)),
            background=backgrounds[i % len(backgrounds)],
        )
        photos.append(corpus.jpeg(rgb, quality=int(rng.integers(60, 96))))
    return photos


def bare_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.convert("RGB").load()


def rate(funcs: dict, photos: list[bytes], rounds: int) -> dict[str, tuple[float, float]]:
    """Per function: best photos per second (wall clock) and least CPU seconds per photo.

    The functions take turns round by round (decode, check, decode, check …), so a machine
    that speeds up or slows down between rounds (other processes, clock changes) touches both
    alike; each keeps its best round. CPU time (all threads) is what decides: on a shared
    machine the wall clock also counts the time other processes held the cores.
    """
    best = {name: (0.0, float("inf")) for name in funcs}
    for _ in range(rounds):
        for name, func in funcs.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            for data in photos:
                func(data)
            wall, cpu = best[name]
            best[name] = (
                max(wall, len(photos) / (time.perf_counter() - start)),
                min(cpu, (time.process_time() - cpu_start) / len(photos)),
            )
    return best


class _Timed:
    """Wraps a callable and adds up the CPU time spent inside it."""

    def __init__(self, func):
        self.func, self.cpu = func, 0.0

    def __call__(self, *args, **kwargs):
        start = time.process_time()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.cpu += time.process_time() - start


def stages(photos: list[bytes]) -> dict[str, float]:
    """CPU seconds per photo in each stage of one check, measured by wrapping the checker's own calls
    (the detector and the landmark predictor are dlib's objects, wrapped where face.py keeps them)."""
    from retakes.photo_check import checker, face

    detector, predictor = face._models()
    timed = {
        "decode (Pillow, checks)": _Timed(checker.decode),
        "face detector (dlib HOG)": _Timed(detector),
        "landmarks (dlib 68 points)": _Timed(predictor),
        "backdrop separation": _Timed(checker.separate),
        "backdrop measures": _Timed(checker.measure_backdrop),
    }
    saved = (checker.decode, checker.separate, checker.measure_backdrop, face._local.models)
    checker.decode, checker.separate = timed["decode (Pillow, checks)"], timed["backdrop separation"]
    checker.measure_backdrop = timed["backdrop measures"]
    face._local.models = (timed["face detector (dlib HOG)"], timed["landmarks (dlib 68 points)"])
    try:
        start = time.process_time()
        for data in photos:
            check_photo(data)
        total = time.process_time() - start
    finally:
        checker.decode, checker.separate, checker.measure_backdrop, face._local.models = saved
    per_photo = {name: t.cpu / len(photos) for name, t in timed.items()}
    per_photo["everything else"] = total / len(photos) - sum(per_photo.values())
    return per_photo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    photos = build_photos(args.photos)
    print(f"corpus: {len(photos)} JPEGs 480x640, {sum(map(len, photos)) / len(photos) / 1024:.0f} KB average, "
          f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"cpus: {os.cpu_count()}, opencv threads: {cv2.getNumThreads()}")

    check_photo(photos[0])  # load the landmark model outside the timing
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rates = rate({"decode": bare_decode, "check": check_photo}, photos, args.rounds)
    (decode_rate, decode_cpu), (check_rate, check_cpu) = rates["decode"], rates["check"]
    decodes = check_cpu / decode_cpu
    print(f"bare Pillow decode: {decode_rate:8.1f} photos/s, {decode_cpu * 1000:6.1f} ms CPU per photo")
    print(f"photo check:        {check_rate:8.1f} photos/s, {check_cpu * 1000:6.1f} ms CPU per photo")
    print(f"one check costs {decodes:.1f} bare decodes in CPU time (goal: at most {MAX_DECODES_PER_CHECK:.0f}); "
          f"{decode_rate / check_rate:.1f} by the wall clock")  # fmt: skip

    print("where one check's CPU time goes (one more pass, each stage timed where the checker calls it):")
    for name, cpu in stages(photos).items():
        print(f"  {name:28}{cpu * 1000:6.2f} ms = {cpu / decode_cpu:4.1f} bare decodes")

    peaks = []
    for data in photos[:10]:
        tracemalloc.start()
        check_photo(data)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    traced_peak = max(peaks)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    average = sum(peaks) / len(peaks) / 1024 / 1024
    print(f"peak Python/numpy memory per check: {traced_peak / 1024 / 1024:.1f} MB at most, {average:.1f} MB on "
          f"average (tracemalloc; dlib's own buffers not counted)")  # fmt: skip
    print(f"process peak RSS: {rss_after / 1024:.0f} MB (grew {max(rss_after - rss_before, 0) / 1024:.1f} MB "
          f"while checking)")  # fmt: skip

    phone, _ = corpus.compose(size=(3024, 4032), face_width=200 * 6.3, head_top=70 * 6.3)
    phone_jpeg = corpus.jpeg(phone, quality=90)
    tracemalloc.start()
    cpu_start = time.process_time()
    report = check_photo(phone_jpeg)
    cpu = time.process_time() - cpu_start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"12 MP phone JPEG ({len(phone_jpeg) // 1024} KB): {cpu * 1000:.0f} ms CPU, "
          f"peak {traced_peak / 1024 / 1024:.1f} MB (tracemalloc), findings {report.codes}")  # fmt: skip

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    bomb = buffer.getvalue()
    start = time.perf_counter()
    report = check_photo(bomb)
    print(f"decompression bomb (20000x20000 PNG, {len(bomb) // 1024} KB): rejected as {report.codes} "
          f"in {(time.perf_counter() - start) * 1000:.1f} ms")  # fmt: skip

    ok = check_rate >= FLOOR_PHOTOS_PER_SECOND and decodes <= MAX_DECODES_PER_CHECK
    print(f"floors: {FLOOR_PHOTOS_PER_SECOND} photos/s and at most {MAX_DECODES_PER_CHECK:.0f} decodes per check: "
          f"{'OK' if ok else 'BELOW FLOOR'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
