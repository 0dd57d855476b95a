"""What every import run as a background job shares: the staged file, its key, its result.

An import page stages the upload under MEDIA_ROOT/intake/<kind>/ (intake.staging: never in
the request, readable by a worker, expiring), and starts a job whose params name that file.
The job's key is (campaign, user, the file's SHA-256): the same file sent again by the same
person into the same campaign while the first job is queued or running lands on that job.
The job removes the file when nothing needs it any more (after the import, or when its check
refused it); a check whose "confirm" is never clicked leaves it to the staging sweep.
"""

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from intake import staging
from intake.errors import Messages, RowError
from intake.estimate import estimate_rows
from intake.workbooks import error_workbook

from .models import Job
from .registry import JobRejected
from .selectors import where
from .services import start_job


@dataclass(frozen=True)
class StagedUpload:
    kind: str  # the intake.staging kind (directory)
    token: str
    digest: str
    filename: str

    @property
    def path(self) -> Path | None:
        return staging.path_for(self.kind, self.token)


def stage(upload, *, kind: str) -> StagedUpload:
    token = staging.store(kind, upload=upload)
    digest = hashlib.sha256()
    with open(staging.path_for(kind, token), "rb") as stored:
        while chunk := stored.read(1 << 20):
            digest.update(chunk)
    return StagedUpload(kind=kind, token=token, digest=digest.hexdigest(), filename=(upload.name or "")[:200])


def in_background(path, limits) -> bool:
    """True when the file has more rows than settings.IMPORT_BACKGROUND_ROWS (a cheap estimate).

    Raises intake.IntakeError for a file the import's cheap guards refuse (a bomb never reaches a worker).
    """
    return estimate_rows(path, limits) > settings.IMPORT_BACKGROUND_ROWS


def import_key(*, campaign_id: int, user, digest: str) -> str:
    return f"{campaign_id}:{user.pk}:{digest[:40]}"


def start_import(*, kind: str, staged: StagedUpload, campaign_id: int, user, params: dict | None = None) -> Job:
    """The job for this file, user and campaign: a new one, or the one already queued or running."""
    job = start_job(
        kind=kind,
        key=import_key(campaign_id=campaign_id, user=user, digest=staged.digest),
        owner=user,
        params={
            "campaign_id": campaign_id,
            "staging": staged.kind,
            "token": staged.token,
            "digest": staged.digest,
            "filename": staged.filename,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            **(params or {}),
        },
    )
    if job.params.get("token") != staged.token:
        staging.discard(staged.kind, staged.token)  # a second click: the first job has its own copy
    return job


def continue_import(*, kind: str, check: Job, user) -> Job | None:
    """The job that writes what the finished check `check` found; None when its file is gone."""
    staged = staged_of(check)
    if staged is None or staged.path is None:
        return None
    return start_job(
        kind=kind,
        key=check.key,
        owner=user,
        params={**check.params, "check_job_id": check.pk},
    )


def staged_of(job: Job) -> StagedUpload | None:
    params = job.params
    try:
        return StagedUpload(params["staging"], params["token"], params["digest"], params.get("filename", ""))
    except (KeyError, TypeError):
        return None


def staged_path(job: Job) -> Path:
    """The job's file; JobRejected("file_expired") when the staging sweep took it first."""
    staged = staged_of(job)
    path = staged.path if staged else None
    if path is None:
        raise JobRejected("file_expired")
    return path


def discard(job: Job) -> None:
    staged = staged_of(job)
    if staged is not None:
        staging.discard(staged.kind, staged.token)


def follow_up_pending(check: Job) -> bool:
    """True while the check's file can still be imported (the import removes it, so does the sweep)."""
    staged = staged_of(check)
    return staged is not None and staged.path is not None


def error_dict(error: RowError) -> dict:
    """A row error as a job stores it: where, its code and params; words are built when shown."""
    column = str(error.column) if error.column is not None else None
    return {"row": error.row, "column": column, "code": error.code, "params": dict(error.params)}


def describer(messages: Messages):
    """The kind's describe_error: a stored error in the reader's language (importer's Messages);
    a code this version no longer words is a plain sentence (the code is logged)."""

    def describe(stored: dict) -> str:
        return where(stored) + messages.text(stored.get("code", ""), stored.get("params") or {})

    return describe


def rejected(code: str, errors, *, table=None) -> JobRejected:
    """Refusal of the whole file: every error kept, and the bad rows' cells for the error workbook.

    The workbook itself is built when downloaded (error_file), in the reader's language.
    """
    errors = list(errors)
    file = None
    if table is not None and errors:
        bad = {e.row for e in errors if e.row is not None}
        rows = [[number, cells[: len(table.headers)]] for number, cells in table.rows if number in bad]
        data = {"headers": [str(h) for h in table.headers], "rows": rows}
        file = (BAD_ROWS_FILE, io.BytesIO(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()))
    return JobRejected(code, [error_dict(e) for e in errors], file=file)


# The stored file of a rejected import: its bad rows as data (JSON), not a finished workbook.
BAD_ROWS_FILE = "bad-rows.json"


def error_file(name, messages: Messages):
    """The kind's render_file: (download name, a builder of the error workbook) for a rejected import.

    None for a job that kept no bad rows (its import was not refused row by row).
    """

    def render(job) -> tuple[str, object] | None:
        if job.file_name != BAD_ROWS_FILE:
            return None

        def build() -> bytes:
            with job.file.open("rb") as stored:
                data = json.load(stored)
            table = SimpleNamespace(headers=data["headers"], rows=[(r[0], r[1]) for r in data["rows"]])
            errors = [
                RowError(e.get("row"), e.get("column"), e.get("code", ""), e.get("params") or {}, messages)
                for e in job.errors
            ]
            return error_workbook(table, errors)

        return str(name), build

    return render


def file_error(exc) -> JobRejected:
    """The file itself refused (an intake.IntakeError, or an importer's CodedError): code + params.

    Its words are the kind's describe_error's, built when the page is shown, in the reader's
    language.
    """
    return JobRejected("rejected", [{"row": None, "column": None, "code": exc.code, "params": dict(exc.params)}])
