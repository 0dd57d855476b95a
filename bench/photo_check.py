"""Throughput and memory of the retake photo check.

    python bench/photo_check.py [--photos 40] [--rounds 3]

Builds 480x640 JPEGs from the test corpus (a real face photograph at varied scales,
positions and backgrounds), then prints photos checked per second against a bare Pillow
decode of the same files, their ratio against a floor, and peak memory. Figures only; no
asserts beyond the exit code: 1 if the check is below its floors.
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
# check costs 0.2 s of one core. The ratio floor says the check may cost at most 100 decodes.
FLOOR_PHOTOS_PER_SECOND = 5.0
FLOOR_RATIO = 0.01


def build_photos(count: int) -> list[bytes]:
    rng = np.random.default_rng(7)
    backgrounds = [
        corpus.solid(),
        corpus.solid((120, 205, 250)),
        corpus.vertical_gradient((100, 197, 255), (60, 150, 220)),
        corpus.solid((128, 128, 128)),
    ]
    photos = []
    for i in range(count):
        rgb, _ = corpus.compose(
            scale=float(rng.uniform(1.8, 2.8)),
            head_top=float(rng.uniform(40, 120)),
            centre_x=float(rng.uniform(200, 280)),
            background=backgrounds[i % len(backgrounds)],
        )
        photos.append(corpus.jpeg(rgb, quality=int(rng.integers(80, 96))))
    return photos


def bare_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.convert("RGB").load()


def rate(func, photos: list[bytes], rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for data in photos:
            func(data)
        best = max(best, len(photos) / (time.perf_counter() - start))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    photos = build_photos(args.photos)
    print(f"corpus: {len(photos)} JPEGs 480x640, {sum(map(len, photos)) / len(photos) / 1024:.0f} KB average, "
          f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"cpus: {os.cpu_count()}, opencv threads: {cv2.getNumThreads()}")

    check_photo(photos[0])  # load the cascades outside the timing
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    decode_rate = rate(bare_decode, photos, args.rounds)
    check_rate = rate(check_photo, photos, args.rounds)
    ratio = check_rate / decode_rate
    print(f"bare Pillow decode: {decode_rate:8.1f} photos/s")
    print(f"photo check:        {check_rate:8.1f} photos/s  ({1000 / check_rate:.0f} ms per photo)")
    print(f"ratio check/decode: {ratio:8.3f}  (floor {FLOOR_RATIO})")
    cpu_start = time.process_time()
    for data in photos:
        check_photo(data)
    # CPU time over all threads: steadier than wall time on a shared machine.
    print(f"CPU time per check: {(time.process_time() - cpu_start) / len(photos) * 1000:8.1f} ms")

    tracemalloc.start()
    for data in photos[:10]:
        check_photo(data)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak Python/numpy memory during one check: {traced_peak / 1024 / 1024:.1f} MB (tracemalloc)")
    print(f"process peak RSS: {rss_after / 1024:.0f} MB (grew {max(rss_after - rss_before, 0) / 1024:.1f} MB "
          f"while checking)")  # fmt: skip

    phone, _ = corpus.compose(size=(3024, 4032), scale=2.2 * 6.3, head_top=70 * 6.3)
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

    ok = check_rate >= FLOOR_PHOTOS_PER_SECOND and ratio >= FLOOR_RATIO
    print(f"floors: {FLOOR_PHOTOS_PER_SECOND} photos/s and ratio {FLOOR_RATIO}: {'OK' if ok else 'BELOW FLOOR'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
