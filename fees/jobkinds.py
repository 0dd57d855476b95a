"""The payment import as two jobs (jobs.imports' one flow): the check (a dry run, the preview),
then the import it confirms.

The file is staged under MEDIA_ROOT/intake/payments/ and removed once it is imported or refused.
A small file's jobs run within the request, a large one's in a worker. All or nothing: any bad
row refuses the whole file, every row listed and the bad rows downloadable as a workbook; the
same file posted again posts nothing new (each row's idempotency key is the file's SHA-256 and
its row number).
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobs import imports
from jobs.models import Job
from jobs.registry import Outcome, register
from sessions_app.models import Campaign

from .import_messages import MESSAGES, payment_counts
from .payment_import import LIMITS, import_payments
from .services import FeeError, check_poster_role

CHECK = "fees.payment_check"
IMPORT = "fees.payment_import"
STAGING = "payments"
ERRORS_FILE = _("缴费导入错误行.xlsx")
COUNTS = {
    "rows": _("数据行"),
    "created": _("新登记（笔）"),
    "replayed": _("已登记过、未重复入账（笔）"),
    "total": _("新登记金额合计（元）"),
}
# The check's counts say what the import will do.
CHECK_COUNTS = {
    "rows": _("数据行"),
    "created": _("将新登记（笔）"),
    "replayed": _("已登记过、不会重复入账（笔）"),
    "total": _("将新登记金额合计（元）"),
}


def _limits():
    return LIMITS


def _confirm_label(job: Job) -> str:
    try:
        total = Decimal(str(job.counts.get("total", "0")))
    except InvalidOperation:
        total = Decimal("0")
    counts = payment_counts(
        created=int(job.counts.get("created", 0)), total=total, replayed=int(job.counts.get("replayed", 0))
    )
    return gettext("确认导入（%(counts)s）") % {"counts": counts}


FLOW = imports.ImportFlow(
    check=CHECK,
    write=IMPORT,
    staging=STAGING,
    limits=_limits,
    confirm_url="fees:import_confirm_job",
    upload_url="fees:import",
    confirm_label=_confirm_label,
)


def start_check(*, upload, campaign: Campaign, user) -> Job:
    """Raises FeeError (role) before the file is staged, intake.IntakeError for a file the cheap guards refuse."""
    check_poster_role(user)  # import_payments asks again per row
    return FLOW.start(upload=upload, campaign_id=campaign.pk, user=user)


def _run(job: Job, progress, *, dry_run: bool) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    path = imports.staged_path(job)
    # The file is discarded once the import has said its last word (done, or refused), never on the
    # way out of an error that ends the run without ending the job (the database gone mid-import):
    # the run that resumes the job needs the file. The staging sweep takes what is left behind.
    try:
        result = import_payments(
            campaign=campaign,
            source=path,
            actor=job.owner,
            filename=job.params.get("filename", ""),
            progress=progress,
            dry_run=dry_run,
        )
    except FeeError as exc:
        imports.discard(job)
        raise imports.file_error(exc) from None
    if not result.ok:
        imports.discard(job)
        raise imports.rejected("rejected", result.errors, table=result.table)
    if not dry_run:
        imports.discard(job)
    counts = {"rows": result.rows, "created": result.created, "replayed": result.replayed}
    # Money as its decimal text: a count is an int, a sum of yuan is not.
    counts["total"] = f"{result.total:.2f}"
    return Outcome(counts=counts, errors=[imports.error_dict(n.as_error()) for n in result.notices])


_WORDS = {"describe_error": imports.describer(MESSAGES), "render_file": imports.error_file(ERRORS_FILE, MESSAGES)}


@register(CHECK, title=_("检查缴费导入文件（导入前预览）"), counts=CHECK_COUNTS, follow_up=FLOW.follow_up, **_WORDS)
def run_check(job: Job, progress) -> Outcome:
    return _run(job, progress, dry_run=True)


@register(IMPORT, title=_("批量导入缴费"), counts=COUNTS, **_WORDS)
def run_import(job: Job, progress) -> Outcome:
    return _run(job, progress, dry_run=False)
