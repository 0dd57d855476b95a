"""The kinds of background job, registered by the app that owns the work.

An app registers its kinds in its own `jobkinds.py` (found by autodiscovery); modules outside
the apps (the project's export registry) are listed in settings.JOBS_KIND_MODULES.

    @register("verification.reminders", title=_("发送校对提醒"), counts={"d-7": _("提前 7 天")})
    def run(job: Job, progress: Progress) -> Outcome: ...

A kind reads its inputs from job.params (ids and codes, never objects), reports progress
through `progress(done, total)`, and returns an Outcome. Work that must leave nothing behind
on bad input (an all-or-nothing import) raises JobRejected with every error as a code + data.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy

from core.words import Words

if TYPE_CHECKING:  # the models need the app registry; the types only the checker
    from .models import Job


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    # Data the finished job's page shows (JSON values only; never an unmasked ID number).
    result: dict = field(default_factory=dict)
    # A finished file: (download name, open binary stream positioned anywhere).
    file: tuple[str, IO[bytes]] | None = None


class JobRejected(Exception):
    """The work refused its input and wrote nothing; `errors` are shown on the job page.

    `file` (download name, binary stream), when given, is kept for download like a finished
    job's: an import's rejected rows as a workbook with a reason column.
    """

    def __init__(self, code: str, errors: list[dict] | None = None, *, file: tuple[str, IO[bytes]] | None = None):
        super().__init__(code)
        self.code = code
        self.errors = errors or []
        self.file = file


Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    title: object
    run: Callable[["Job", Progress], Outcome | None]
    # What each of its counts is called (Job.counts is code -> number).
    count_labels: Words = field(default_factory=Words)
    # Turns one stored error into words at display time (a custom describer, e.g. an import's row
    # errors); else `errors`, the kind's words for the (code, params) its errors store; else the
    # shared codes (selectors.JOB_ERRORS).
    describe_error: Callable[[dict[str, Any]], str] | None = None
    errors: Words | None = None
    # What the finished job's page offers next (an import's "confirm" after its check), or None:
    # follow_up(job) -> {"url": POST target, "label": button text} | None.
    follow_up: Callable[["Job"], dict[str, Any] | None] | None = None
    # The job's download built when asked, in the reader's language: render_file(job) ->
    # (download name, build() -> bytes), or None to serve the stored file as it is.
    render_file: Callable[["Job"], tuple[str, object] | None] | None = None
    # What a finished job's page shows from job.result: show_result(job) -> (template, context) | None.
    show_result: Callable[["Job"], tuple[str, dict[str, Any]] | None] | None = None
    # Seconds its finished file is kept, when not settings.JOBS_FILE_MAX_AGE_SECONDS (read when
    # the sweep runs): an erasure's archive is what the school keeps for years.
    file_max_age: Callable[[], int] | None = None
    # The job's own name in the reader's language when the kind's title says too little (every
    # export is one kind: "导出：学生名单"): name_of(job) -> str, or None to show the title.
    name_of: Callable[["Job"], str] | None = None


_REGISTRY: dict[str, JobKind] = {}
# What each kind is called (Job.kind is stored): its title, in the reader's language.
KIND_TITLES = Words(name="jobs.registry", fallback=gettext_lazy("后台任务"))
_discovered = False


def register(
    name: str,
    *,
    title,
    counts: dict | None = None,
    describe_error: Callable | None = None,
    follow_up: Callable | None = None,
    render_file: Callable | None = None,
    show_result: Callable | None = None,
    file_max_age: Callable[[], int] | None = None,
    name_of: Callable | None = None,
    errors: Words | None = None,
):
    def decorator(func):
        KIND_TITLES.add(name, title)
        _REGISTRY[name] = JobKind(
            name=name,
            title=title,
            run=func,
            count_labels=counts if isinstance(counts, Words) else Words(counts, name=f"{name} counts"),
            describe_error=describe_error,
            follow_up=follow_up,
            render_file=render_file,
            show_result=show_result,
            file_max_age=file_max_age,
            name_of=name_of,
            errors=errors,
        )
        return func

    return decorator


def kinds() -> dict[str, JobKind]:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobkinds")
        for module in getattr(settings, "JOBS_KIND_MODULES", ()):
            importlib.import_module(module)
        _discovered = True
    return dict(_REGISTRY)


def get_kind(name: str) -> JobKind | None:
    return kinds().get(name)


def job_name(job: "Job") -> str:
    """What a person calls the job: its own name (which report), else its kind's title; never a
    code (`export`, `roster:2:1`)."""
    kind = get_kind(job.kind)
    if kind is not None and kind.name_of:
        return kind.name_of(job)
    return KIND_TITLES.text(job.kind)
