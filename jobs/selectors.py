"""Reads of background jobs, and the words a job page shows (rendered here, never stored)."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core.errors import CORE_ERRORS, Busy
from core.redact import FULL_ID_PERMISSION
from core.words import Words

from .models import Job, JobStatus
from .registry import get_kind, job_name

# Why a job failed (Job.error_code), in the reader's language.
FAILURES = Words(
    {
        "crashed": gettext_lazy("任务出错，未完成：请重试，仍不行请联系教务处"),
        "stale": gettext_lazy("任务中断（服务器重启或超时），未完成：请重新开始"),
        # services.LEASE_EXPIRED: the worker died (or the database went away) on every try.
        "lease_expired": gettext_lazy(
            "任务中断：处理它的服务器停止了，自动重试后仍未完成。"
            "请回到原来的页面再点一次重新开始（导入请重新上传文件）；仍不行请联系教务处"
        ),
        "rejected": gettext_lazy("文件有误，未导入任何数据：请按下列提示改正后重新上传"),
        "file_expired": gettext_lazy("上传的文件已过期（超过 2 小时）或已导入，未导入任何数据：请重新上传"),
        Busy.CODE: CORE_ERRORS.templates[Busy.CODE],
        "campaign_closed": gettext_lazy("本批次已结束，不再向任何人发送提醒或群发消息：没有发送任何消息"),
    },
    name="jobs.failures",
    fallback=gettext_lazy("任务失败：请回到原来的页面重新开始；仍不行请联系教务处"),
)

# The counts of a job whose kind this version no longer has.
_NO_KIND = Words(name="jobs.no kind")

# The words of a stored error (code + params) of a kind that declares no words of its own.
JOB_ERRORS = Words(base=(FAILURES, CORE_ERRORS), name="jobs.errors")


def visible_jobs(user: User) -> QuerySet[Job]:
    """A job is its owner's; academic staff see every job (they see all the data anyway)."""
    jobs = Job.objects.select_related("owner")
    return jobs if user.is_academic_staff else jobs.filter(owner=user)


def recent_jobs(user: User, *, limit: int = 20) -> list[Job]:
    return list(Job.objects.filter(owner=user).order_by("-created_at", "-id")[:limit])


def kind_title(job: Job) -> str:
    return job_name(job)


def failure_message(job: Job) -> str:
    if job.status != JobStatus.FAILED:
        return ""
    kind = get_kind(job.kind)
    if kind is not None and kind.errors is not None and job.error_code in kind.errors:
        # A refusal of the kind's own (a rule's CodedError): worded with the params it stored.
        stored = next((e for e in job.errors if isinstance(e, dict) and e.get("code") == job.error_code), {})
        return kind.errors.text(job.error_code, stored.get("params"))
    return FAILURES.text(job.error_code)


def interruption_note(job: Job) -> str:
    """'Interrupted N times and resumed' when a worker died under it; '' otherwise."""
    n = len(job.interruptions)
    if job.status == JobStatus.FAILED and job.error_code == "lease_expired":
        n -= 1  # the last one ended it: the failure says so, it was not restarted
    if n <= 0:
        return ""
    return ngettext(
        "处理这个任务的服务器曾停止 %(n)s 次，任务已自动重新开始",
        "处理这个任务的服务器曾停止 %(n)s 次，任务已自动重新开始",
        n,
    ) % {"n": n}


# An import lists every bad row; past this many the page points to the downloadable workbook.
ERRORS_SHOWN = 1000


def error_lines(job: Job, *, limit: int = ERRORS_SHOWN) -> list[str]:
    kind = get_kind(job.kind)
    if kind is not None and kind.describe_error is not None:
        return [kind.describe_error(error) for error in job.errors[:limit]]
    words = kind.errors if kind is not None and kind.errors is not None else JOB_ERRORS
    return [where(error) + words.text(error.get("code", ""), error.get("params")) for error in job.errors[:limit]]


def where(stored: dict[str, Any]) -> str:
    """'第 3 行，学号 列：' for a stored row error, '' for one about the whole file."""
    if not stored.get("row"):
        return ""
    text = _("第 %(row)s 行") % {"row": stored["row"]}
    if stored.get("column"):
        text += _("，%(column)s 列") % {"column": stored["column"]}
    return text + _("：")


def download(job: Job) -> tuple[str, object] | None:
    """(name, build) when the kind builds the job's file on download; None: serve the stored file."""
    kind = get_kind(job.kind)
    if not job.file or kind is None or kind.render_file is None:
        return None
    return kind.render_file(job)


def holds_full_ids(job: Job) -> bool:
    """A job's file may hold whole ID numbers unless the job said it does not: an export records
    `result["full_ids"]` (photocapture.export_jobs); an import's rejected rows keep them whole."""
    return job.result.get("full_ids") is not False if isinstance(job.result, dict) else True


def may_download(job: Job, user: User) -> bool:
    """The owner always; other staff (who see every job) only what their own permissions would
    show them: a file with whole ID numbers needs the full-ID permission."""
    if job.owner_id == user.pk:
        return True
    if not user.is_academic_staff:
        return False
    return not holds_full_ids(job) or user.has_perm(FULL_ID_PERMISSION)


def file_expired_hours(job: Job) -> int | None:
    """After services.expire_files removed the job's file: after how many hours (the page says so)."""
    if job.file or not job.file_name:
        return None
    max_age: int = settings.JOBS_FILE_MAX_AGE_SECONDS
    return max(1, round(max_age / 3600))


def file_label(job: Job) -> str:
    built = download(job)
    return built[0] if built else job.file_name


def result_block(job: Job) -> dict[str, Any] | None:
    """{"template": ..., **context} for what a finished job's kind shows from its result, else None."""
    kind = get_kind(job.kind)
    if kind is None or kind.show_result is None or job.status != JobStatus.DONE or not job.result:
        return None
    shown = kind.show_result(job)
    if shown is None:
        return None
    template, context = shown
    return {"template": template, **context}


def follow_up(job: Job, user: User) -> dict[str, Any] | None:
    """What the job's page offers next; only to the one who started it (an import is theirs to confirm)."""
    kind = get_kind(job.kind)
    if kind is None or kind.follow_up is None or job.status != JobStatus.DONE or job.owner_id != user.pk:
        return None
    return kind.follow_up(job)


def count_lines(job: Job) -> list[tuple[str, int]]:
    kind = get_kind(job.kind)
    labels = kind.count_labels if kind else _NO_KIND
    return [(labels.text(code), n) for code, n in job.counts.items()]


def status_payload(job: Job, *, file_url: str) -> dict[str, Any]:
    """What the progress page polls: small, no rows, one query."""
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "active": job.is_active,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "file_url": file_url if job.file else "",
    }
