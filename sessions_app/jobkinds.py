"""The roster import as two jobs (jobs.imports' one flow): the check (the preview), then the import it confirms.

Both read the file staged under MEDIA_ROOT/intake/roster/; the import removes it. A small file's
jobs run within the request, a large one's in a worker. All-or-nothing: a check that finds any
bad row refuses the file with every row listed and the bad rows as a workbook, and the import
writes in one transaction.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobs import imports
from jobs.models import Job
from jobs.registry import Outcome, register

from .models import Campaign
from .roster import uploads
from .roster.files import RosterFileError, limits
from .roster.messages import MESSAGES, import_counts
from .roster.results import PreviewRow
from .roster.services import import_roster

CHECK = "roster.check"
IMPORT = "roster.import"
ERRORS_FILE = _("名单错误行.xlsx")
COUNTS = {
    "rows": _("数据行"),
    "created": _("新增"),
    "updated": _("更新"),
    "unchanged": _("未变"),
    "not_in_file": _("本批次已有但不在名单中（不会删除）"),
    "counselors_without_account": _("没有账号的辅导员"),
}


def _confirm_label(job: Job) -> str:
    counts = {name: int(job.counts.get(name, 0)) for name in ("created", "updated", "unchanged")}
    return gettext("确认导入（%(counts)s）") % {"counts": import_counts(**counts)}


FLOW = imports.ImportFlow(
    check=CHECK,
    write=IMPORT,
    staging=uploads.KIND,
    limits=limits,
    confirm_url="roster:confirm_job",
    upload_url="roster:upload",
    confirm_label=_confirm_label,
)


def start_check(*, upload, campaign: Campaign, user) -> Job:
    """Raises RosterFileError for a file the cheap guards refuse."""
    return FLOW.start(upload=upload, campaign_id=campaign.pk, user=user)


def _run(job: Job, progress, *, dry_run: bool) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    path = imports.staged_path(job)
    try:
        report = import_roster(
            campaign=campaign,
            source=path,
            actor=job.owner,
            dry_run=dry_run,
            filename=job.params.get("filename", ""),
            progress=progress,
        )
    except RosterFileError as exc:
        imports.discard(job)
        raise imports.file_error(exc) from None
    if not report.ok:
        imports.discard(job)
        raise imports.rejected("rejected", report.errors, table=report.table)
    if not dry_run:
        imports.discard(job)
    counts = {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "not_in_file": report.not_in_file,
    }
    if report.counselors_without_account:
        counts["counselors_without_account"] = len(report.counselors_without_account)
    # The check's page is the preview: its first rows (ID numbers masked) and the counselors
    # who have no account yet, by name.
    result: dict = {"written": True}
    if dry_run:
        result = {
            "preview": [row.as_data() for row in report.preview],
            "counselors": [[name, n] for name, n in report.counselors_without_account.items()],
        }
    return Outcome(counts=counts, errors=[imports.error_dict(w) for w in report.warnings], result=result)


def _show_preview(job: Job):
    rows = [PreviewRow.from_data(row) for row in job.result.get("preview", ())]
    counselors = [(str(name), int(n)) for name, n in job.result.get("counselors", ())]
    if not rows and not counselors:
        return None
    return ("sessions_app/_roster_check.html", {"preview": rows, "counselors": counselors})


def _show_imported(job: Job):
    """The import's page says what was imported where, in one line (as the page did before it was a job)."""
    campaign = Campaign.objects.filter(pk=job.params.get("campaign_id")).only("name").first()
    counts = {name: int(job.counts.get(name, 0)) for name in ("created", "updated", "unchanged")}
    text = gettext("已导入“%(file)s”到%(campaign)s：%(counts)s") % {
        "file": job.params.get("filename", ""),
        "campaign": campaign.name if campaign else "",
        "counts": import_counts(**counts),
    }
    return ("sessions_app/_roster_imported.html", {"text": text})


# Row errors in the reader's language, the error workbook built when downloaded (roster/messages.py).
_WORDS = {"describe_error": imports.describer(MESSAGES), "render_file": imports.error_file(ERRORS_FILE, MESSAGES)}


@register(
    CHECK,
    title=_("检查学生名单（导入前预览）"),
    counts=COUNTS,
    follow_up=FLOW.follow_up,
    show_result=_show_preview,
    **_WORDS,
)
def run_check(job: Job, progress) -> Outcome:
    return _run(job, progress, dry_run=True)


@register(IMPORT, title=_("导入学生名单"), counts=COUNTS, show_result=_show_imported, **_WORDS)
def run_import(job: Job, progress) -> Outcome:
    return _run(job, progress, dry_run=False)
