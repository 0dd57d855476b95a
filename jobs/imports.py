"""The one import flow: upload → check → preview → confirm, as jobs, whatever the file's size.

An import page stages the upload under MEDIA_ROOT/intake/<kind>/ (intake.staging: readable by a
worker, expiring) and starts a *check* job whose params name that file (ImportFlow.start). The
check is the preview: it writes nothing, and its job page shows what the import would do, or
every bad row. Its "confirm" starts the *import* job from the same params (ImportFlow.confirm).
The job row is the only place a preview is kept between its two steps; the session holds nothing.

Size decides only *where* the jobs run. A file estimated at no more than
settings.IMPORT_BACKGROUND_ROWS rows is run inline, in the request, by the same run_job a worker
calls, and the page redirects to the same job page a big file gets (already finished). A bigger
file is enqueued and its page follows the progress.

The job's key is (campaign, user, the file's SHA-256): the same file sent again by the same
person into the same campaign while the first job is queued or running lands on that job.
The job removes the file when nothing needs it any more (after the import, or when its check
refused it); a check whose "confirm" is never clicked leaves it to the staging sweep.
"""

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from intake import staging
from intake.errors import Messages, RowError
from intake.estimate import estimate_rows
from intake.guards import Limits
from intake.workbooks import error_workbook

from . import services
from .models import Job, JobStatus
from .registry import JobRejected, kinds
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


@dataclass(frozen=True)
class ImportFlow:
    """One import's two job kinds, where its uploads wait, and the URL name of its "confirm"."""

    check: str  # the job kind that previews (writes nothing)
    write: str  # the job kind that imports what the check previewed
    staging: str  # the intake.staging kind
    limits: Callable[[], Limits]
    confirm_url: str  # URL name taking the check's job_id (a POST)
    upload_url: str  # URL name of the import's upload page (where "cancel" and a stale preview go)
    # The confirm button's words from the finished check (what it will do), else "确认导入".
    confirm_label: Callable[[Job], str] | None = None

    def start(self, *, upload, campaign_id: int, user, params: dict | None = None) -> Job:
        """Upload → check: the check job of this file (new, or the one already queued or running).

        A small file is checked before this returns. Raises intake.IntakeError (code + params) for a
        file the cheap guards refuse: a bomb reaches neither a worker nor the check; nothing is kept.
        """
        staged = stage(upload, kind=self.staging)
        try:
            rows = estimate_rows(staged.path, self.limits())
        except Exception:
            staging.discard(staged.kind, staged.token)
            raise
        inline = rows <= settings.IMPORT_BACKGROUND_ROWS
        job = start_import(
            kind=self.check,
            staged=staged,
            campaign_id=campaign_id,
            user=user,
            params={"inline": inline, **(params or {})},
            enqueue=not inline,
        )
        return run_inline(job)

    def confirm(self, *, check: Job, user) -> Job | None:
        """Preview → confirm: the import of what `check` previewed, run where the check ran.

        None when that preview can no longer be imported (imported already, refused, its file
        expired): the page sends the user back to upload. A second click while the import is
        queued or running lands on it; after it, the file is gone, so nothing is imported twice.
        """
        if check.kind != self.check or check.status != JobStatus.DONE or not follow_up_pending(check):
            return None
        inline = bool(check.params.get("inline"))
        job = start_job(
            kind=self.write,
            key=check.key,
            owner=user,
            params={**check.params, "check_job_id": check.pk},
            enqueue=not inline,
        )
        return run_inline(job)

    def __post_init__(self) -> None:
        _FLOWS[self.check] = self

    def follow_up(self, job: Job) -> dict | None:
        """The check's page offers "confirm" (and "cancel") while its file can still be imported."""
        if not follow_up_pending(job):
            return None
        label = self.confirm_label(job) if self.confirm_label else _("确认导入")
        return {
            "url": reverse(self.confirm_url, args=[job.pk]),
            "label": label,
            "cancel_url": reverse("jobs:cancel_import", args=[job.pk]),
        }

    def cancel(self, *, check: Job) -> None:
        """Preview → cancel: the staged file goes now (not at the sweep); the preview cannot be confirmed."""
        if check.kind == self.check:
            discard(check)


# The flows by their check's job kind (jobs.views.cancel_import finds a check's flow here).
_FLOWS: dict[str, ImportFlow] = {}


def flow_of(job: Job) -> ImportFlow | None:
    kinds()  # the apps' jobkinds modules define the flows: loaded before the first look-up
    return _FLOWS.get(job.kind)


def run_inline(job: Job) -> Job:
    """Run a job that was started to run in this request (params "inline") now, as a worker would.

    A job already taken (a second click, a worker) is left alone; the page shows where it is.
    """
    if job.params.get("inline") and job.status == JobStatus.QUEUED:
        services.run_job(job_id=job.pk)
        job.refresh_from_db()
    return job


def import_key(*, campaign_id: int, user, digest: str) -> str:
    return f"{campaign_id}:{user.pk}:{digest[:40]}"


def start_import(
    *, kind: str, staged: StagedUpload, campaign_id: int, user, params: dict | None = None, enqueue: bool = True
) -> Job:
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
        enqueue=enqueue,
    )
    if job.params.get("token") != staged.token:
        staging.discard(staged.kind, staged.token)  # a second click: the first job has its own copy
    return job


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
