"""A batch of electronic photos: each file matched to a student, checked, attached to a retake request.

Files are named by 学号, by 身份证号 or as 姓名_学号 (folders inside the zip do not matter). A name
is matched only among the students the uploader may see (sessions_app.scope), and only when
exactly one student answers to it: no match, two students, a name that is not the number's
student, or two files for one student are listed with their reason and nothing is guessed.

Two passes over the zip: the names first (matching, duplicates, refusals by name or header),
then the bytes of the files that matched, one at a time, in chunks. Each chunk is checked (the
photo check's public `check_photo`) and stored (retakes.services.attach_checked_photo) by one of
a pool of settings.PHOTO_BATCH["workers"] processes, with a bounded number of chunks in flight
so memory does not grow with the zip; the job's own process only reads the zip.
"""

import contextlib
import dataclasses
import gc
import json
import multiprocessing
import multiprocessing.util
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from accounts.models import User
from sessions_app.idcard import looks_like_id_number
from sessions_app.models import Campaign, Student
from sessions_app.scope import visible_students

from . import services
from .batch_files import Entry, Limits, read_entries
from .models import Channel, Reason
from .photo_check import PhotoReport, check_photo

# What became of one file. Counted by code on the job's page, listed with the file's name.
PASSED = "passed"
FAILED = "failed"
UNCHANGED = "unchanged"
UNMATCHED = "unmatched"
AMBIGUOUS = "ambiguous"
NAME_MISMATCH = "name_mismatch"
DUPLICATE = "duplicate"
NOT_AN_IMAGE = "not_an_image"
CHECK_ERROR = "check_error"
REFUSED = "refused"
ATTACHED = (PASSED, FAILED)
# Refusals the retake rules give for one student (services.RetakeError codes) kept as they are.
SERVICE_CODES = frozenset({"not_accepting_photos", "out_of_scope", "already_open", "file_too_large"})
# Files in flight per pool process: enough to keep each busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2
# Checked photos stored per transaction, and the bytes they may hold in memory meanwhile.
STORE_EVERY = 20
CHUNKS_PER_WORKER = 10  # at least, in a pool, when the batch is small
STORE_BYTES = 32 * 1024 * 1024


@dataclass
class FileOutcome:
    index: int
    name: str  # as the uploader wrote it, ID numbers masked
    code: str
    student_no: str = ""
    student_name: str = ""
    request_id: int | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    created_request: bool = False

    def as_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "student_no": self.student_no,
            "student_name": self.student_name,
            "request_id": self.request_id,
            "findings": self.findings,
        }


@dataclass
class BatchResult:
    files: list[FileOutcome]
    dry_run: bool

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {"files": len(self.files)}
        for outcome in self.files:
            counts[outcome.code] = counts.get(outcome.code, 0) + 1
        created = sum(1 for outcome in self.files if outcome.created_request)
        if created:
            counts["requests_created"] = created
        return counts


# --- names ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameKey:
    number: str  # a 学号 or a 身份证号
    name: str = ""  # the 姓名 of 姓名_学号


def parse_stem(stem: str) -> NameKey | None:
    """The number (and name) a file's name gives; None for a name that gives neither."""
    text = re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", unicodedata.normalize("NFKC", stem))
    if "_" in text:
        name, _sep, number = text.rpartition("_")
        return NameKey(number=number, name=name) if name and number else None
    return NameKey(number=text) if text else None


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))

    return norm(a) == norm(b)


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class StudentRow(NamedTuple):
    """What matching and storing read of a student (the rules of services.attach_checked_photo
    included), in the model's field order: Model.from_db takes the values so. Rows, not model
    instances: 5,000 students took 3.2 MB as instances, 1.9 MB as rows (tracemalloc)."""

    id: int
    campaign_id: int
    student_no: str
    name: str
    id_number: str
    counselor_id: int | None


STUDENT_FIELDS = StudentRow._fields


class Matcher:
    """Students by 学号 and by 身份证号 among those the actor may see (actor None: everyone)."""

    def __init__(self, *, campaign: Campaign, actor: User | None, keys: Iterable[NameKey]):
        students = visible_students(actor, campaign) if actor is not None else Student.objects.filter(campaign=campaign)
        rows = students.values_list(*STUDENT_FIELDS)
        keys = list(keys)
        numbers = sorted({key.number for key in keys})
        ids = sorted({key.number.upper() for key in keys if looks_like_id_number(key.number)})
        self.by_no: dict[str, StudentRow] = {}
        self.by_id: dict[str, StudentRow] = {}
        for chunk in _chunks(numbers):
            self.by_no.update((s.student_no, s) for s in map(StudentRow._make, rows.filter(student_no__in=chunk)))
        for chunk in _chunks(ids):
            self.by_id.update((s.id_number, s) for s in map(StudentRow._make, rows.filter(id_number__in=chunk)))

    def match(self, key: NameKey | None) -> tuple[str, StudentRow | None]:
        if key is None:
            return UNMATCHED, None
        found = {s.id: s for s in (self.by_no.get(key.number), self.by_id.get(key.number.upper())) if s}
        if not found:
            return UNMATCHED, None
        if len(found) > 1:
            return AMBIGUOUS, None
        (student,) = found.values()
        if key.name and not _same_name(key.name, student.name):
            return NAME_MISMATCH, None
        return "", student


# --- the checks and the storing, in parallel ----------------------------------------------


@dataclass(frozen=True)
class _Batch:
    """What checking and storing a file needs besides its bytes. A pool's processes get it through
    fork (the initializer's arguments are not pickled)."""

    campaign: Campaign
    actor: User | None
    channel: str
    reason: str
    dry_run: bool
    batch: str
    backgrounds: tuple[str, ...]


# A matched file and its student. The student's row travels with the file's chunk: a pool process
# that read the job's own Student objects wrote to their pages (reference counts), and so copied
# them, memory that grew with the zip.
Item = tuple[Entry, StudentRow]


def _check_and_store(items: list[Item], job: _Batch) -> list[FileOutcome]:
    """A chunk of files checked, then stored in one transaction (each in its own savepoint): one
    commit per photo made storing cost as much as checking."""
    checked = [(entry, row, _safe_check(entry.data, job.backgrounds)) for entry, row in items]
    outcomes = []
    # A dry run writes nothing, so it takes no transaction (SQLite's would lock the database).
    with contextlib.nullcontext() if job.dry_run else transaction.atomic():
        for entry, row, report in checked:
            student = Student.from_db(DEFAULT_DB_ALIAS, STUDENT_FIELDS, row)
            student.campaign = job.campaign  # the one already loaded, not a query per photo stored
            outcome = FileOutcome(entry.index, entry.shown_name, "", student.student_no, student.name)
            outcome.code = _handle(entry, report, student, outcome, job)
            outcomes.append(outcome)
            entry.data = None
    return outcomes


def _chunks_of(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """`size` files at a time, fewer when their bytes reach STORE_BYTES."""
    chunk: list[Item] = []
    held = 0
    for entry, row in items:
        chunk.append((entry, row))
        held += len(entry.data or b"")
        if len(chunk) >= size or held >= STORE_BYTES:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def _run_chunks(chunks: Iterable[list[Item]], *, job: _Batch, workers: int) -> Iterator[list[FileOutcome]]:
    with _checkers(job, workers) as run:
        yield from run(chunks)


Runner = Callable[[Iterable[list[Item]]], Iterator[list[FileOutcome]]]


@contextlib.contextmanager
def _checkers(job: _Batch, workers: int) -> Iterator[Runner]:
    """What checks and stores chunks, each yielded in the order they finish: this process when
    workers <= 1, else a pool of `workers` processes that each check and store their own chunks with
    their own database connection (the job's process only reads the zip). Storing in the job's
    process, behind the pool, left it the bottleneck: a stored photo costs about as much CPU as its check.

    The pool's processes are forked here, before the zip is read: the face models are loaded first so
    that they share those pages instead of loading 100 MB each, and nothing of the zip (names, students,
    the zip's directory) is in the pages they share. Whatever they share, the job's process copies as
    it writes to it (reference counts too), and both copies count: forked after the first pass, the
    pool made memory grow with the zip."""
    if workers <= 1:
        yield lambda chunks: (_check_and_store(chunk, job) for chunk in chunks)
        return
    _safe_check(_blank_photo(), job.backgrounds)  # the face models, loaded
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(job,))
    with _may_have_children(), pool:
        pool.submit(int).result()  # a fork pool starts all its processes at its first task
        yield lambda chunks: _in_pool(pool, chunks, workers)


def _in_pool(pool: ProcessPoolExecutor, chunks: Iterable[list[Item]], workers: int) -> Iterator[list[FileOutcome]]:
    pending: set[Future[list[FileOutcome]]] = set()
    for chunk in chunks:
        pending.add(pool.submit(_store_in_worker, chunk))
        # Bounded: chunks waiting for a process hold their bytes.
        while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from (future.result() for future in done)


def _blank_photo() -> bytes:
    ok, encoded = cv2.imencode(".jpg", np.full((640, 480, 3), 128, np.uint8))
    return encoded.tobytes()


_JOB: _Batch | None = None  # in a pool's process: the batch it works for
_INHERITED: list[Any] = []  # the job's database connections as forked: never used, never closed


def _start_worker(job: _Batch) -> None:
    """A pool process's start: the batch, and database connections of its own. The forked copies
    of the job's connections share its sockets: closing one (or letting it be garbage-collected)
    would end the job's own session, so they are kept aside untouched."""
    global _JOB
    _JOB = job
    for alias in connections:
        _INHERITED.append(connections[alias])
        connections[alias] = connections.create_connection(alias)
    # Closed when the pool ends the process (multiprocessing runs its finalizers then), not left
    # for the server to log as lost; kept open meanwhile, from chunk to chunk.
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=0)


def _store_in_worker(chunk: list[Item]) -> list[FileOutcome]:
    assert _JOB is not None, "called in a process the pool did not start"
    return _check_and_store(chunk, _JOB)


@contextlib.contextmanager
def _may_have_children() -> Iterator[None]:
    """While the pool lives: the job's heap frozen for the garbage collector, and the process allowed
    children. Celery's prefork workers are daemonic processes, and multiprocessing refuses to start children
    from one ("daemonic processes are not allowed to have children"). The flag only guards against
    orphans: the pool is shut down (its processes joined) before this returns, and a pool process
    whose parent dies reads end-of-file on its queue and exits."""
    # Frozen objects are left alone by the pool processes' garbage collector, which would otherwise
    # write to (and so copy) every page of the job's heap it walks: memory that grew with the run.
    gc.freeze()
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]  # no public way to lift it
    daemon = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        gc.unfreeze()
        if daemon is None:
            config.pop("daemon", None)
        else:
            config["daemon"] = daemon


def _safe_check(data: bytes | None, backgrounds: tuple[str, ...]) -> PhotoReport | None:
    if data is None:  # refused while read
        return None
    try:
        return check_photo(data, backgrounds=backgrounds)
    except Exception:  # one photo the checker chokes on is that file's error, not the batch's
        return None


# --- the batch ----------------------------------------------------------------------------


def import_batch(
    *,
    path: Path,
    campaign: Campaign,
    actor: User | None,
    channel: str = Channel.CENTRAL,
    reason: str = Reason.MISSED_SHOOT,
    dry_run: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    workers: int | None = None,
    batch: str = "",
    limits: Limits | None = None,
) -> BatchResult:
    """Match, check and (unless dry_run) attach every file of the zip or folder at `path`.

    Raises batch_files.BatchFileError for an upload that is no zip at all, and
    services.RetakeError when the actor may not import photos (only staff and counselors may).
    """
    if actor is not None and not (actor.is_academic_staff or actor.is_counselor):
        raise services.RetakeError.of("role_forbidden", what="batch")
    if actor is None and not dry_run:
        raise services.RetakeError.of("actor_required")
    limits = limits or Limits.from_settings()
    workers = workers if workers is not None else int(settings.PHOTO_BATCH["workers"])
    report = progress or (lambda done, total=None: None)

    job = _Batch(
        campaign=campaign,
        actor=actor,
        channel=channel,
        reason=reason,
        dry_run=dry_run,
        batch=batch,
        backgrounds=tuple(campaign.photo_backgrounds or ()) or ("blue",),
    )
    with _Outcomes() as outcomes:
        with _checkers(job, workers) as run:
            # Pass 1: names only.
            entries = list(read_entries(path, limits, want=lambda entry: False))
            total = len(entries)
            matched = _match(entries, outcomes, campaign=campaign, actor=actor)
            del entries
            report(outcomes.count, total)

            # Pass 2: the matched files' bytes, one at a time, checked and stored chunk by chunk.
            wanted = read_entries(path, limits, want=lambda entry: entry.index in matched)
            to_check = ((entry, matched[entry.index]) for entry in wanted if entry.index in matched)
            # Smaller chunks for a small batch in a pool: the processes finish within one chunk of each
            # other, and a chunk of twenty is half a second of one process's work.
            size = (
                STORE_EVERY if workers <= 1 else max(1, min(STORE_EVERY, len(matched) // (workers * CHUNKS_PER_WORKER)))
            )
            for stored in run(_chunks_of(to_check, size)):
                for outcome in stored:
                    outcomes.add(outcome)
                report(outcomes.count, total)
        # Read back once the pool has ended: its processes' memory is returned by then.
        return BatchResult(files=outcomes.read(), dry_run=dry_run)


def _match(
    entries: list[Entry], outcomes: "_Outcomes", *, campaign: Campaign, actor: User | None
) -> dict[int, StudentRow]:
    """The student of each entry that has exactly one; the others' outcomes added to `outcomes`."""
    keys = {e.index: parse_stem(e.stem) for e in entries if not e.refusal}
    matcher = Matcher(campaign=campaign, actor=actor, keys=[k for k in keys.values() if k is not None])
    matched: dict[int, StudentRow] = {}
    for entry in entries:
        if entry.refusal:
            outcomes.add(FileOutcome(entry.index, entry.shown_name, entry.refusal))
            continue
        code, student = matcher.match(keys[entry.index])
        if student is None:
            outcomes.add(FileOutcome(entry.index, entry.shown_name, code))
        else:
            matched[entry.index] = student
    by_student: dict[int, list[int]] = {}
    for index, student in matched.items():
        by_student.setdefault(student.id, []).append(index)
    for indexes in by_student.values():
        if len(indexes) > 1:  # two files for one student: which is the photo is the uploader's call
            for index in indexes:
                student = matched.pop(index)
                outcomes.add(FileOutcome(index, entries[index].shown_name, DUPLICATE, student.student_no, student.name))
    return matched


class _Outcomes:
    """Every file's outcome, kept in a temporary file until the batch ends: held as objects, they grew
    the job's process by about 1 KB a file (5.6 MB for 5,000 of the bench's photos, tracemalloc)
    while the pool ran beside it."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self.count = 0

    def __enter__(self) -> "_Outcomes":
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add(self, outcome: FileOutcome) -> None:
        self._file.write(json.dumps(dataclasses.asdict(outcome), ensure_ascii=False).encode() + b"\n")
        self.count += 1

    def read(self) -> list[FileOutcome]:
        self._file.seek(0)
        files = [FileOutcome(**json.loads(line)) for line in self._file]
        return sorted(files, key=lambda outcome: outcome.index)


def _handle(entry: Entry, checked: PhotoReport | None, student: Student, outcome: FileOutcome, job: _Batch) -> str:
    if entry.refusal:
        return entry.refusal
    if checked is None or entry.data is None:
        return CHECK_ERROR
    outcome.findings = [f.as_dict() for f in checked.findings]
    if not checked.decoded:
        return NOT_AN_IMAGE
    if job.dry_run or job.actor is None:
        return PASSED if checked.ok else FAILED
    try:
        attached = services.attach_checked_photo(
            student=student,
            data=entry.data,
            report=checked,
            actor=job.actor,
            channel=job.channel,
            reason=job.reason,
            batch=job.batch,
        )
    except services.PhotoRejected:
        return NOT_AN_IMAGE
    except services.RetakeError as exc:
        return exc.code if exc.code in SERVICE_CODES else REFUSED
    outcome.request_id = attached.request.pk
    outcome.created_request = attached.created
    if attached.outcome == "unchanged":
        return UNCHANGED
    return PASSED if checked.ok else FAILED
