"""A large payment import as a background job: the coordinator's page follows its progress.

The file is staged under MEDIA_ROOT/intake/payments/ (jobs.imports) and removed once the job
is over. All or nothing as on the page: any bad row refuses the whole file, every row listed
and the bad rows downloadable as a workbook; the same file posted again posts nothing new
(each row's idempotency key is the file's SHA-256 and its row number).
"""

from django.utils.translation import gettext_lazy as _

from jobs import imports
from jobs.models import Job
from jobs.registry import Outcome, register
from sessions_app.models import Campaign

from .import_messages import MESSAGES
from .payment_import import LIMITS, import_payments
from .services import FeeError, check_poster_role

IMPORT = "fees.payment_import"
STAGING = "payments"
ERRORS_FILE = _("缴费导入错误行.xlsx")
COUNTS = {
    "rows": _("数据行"),
    "created": _("新登记（笔）"),
    "replayed": _("已登记过、未重复入账（笔）"),
    "total": _("新登记金额合计（元）"),
}


def in_background(upload) -> bool:
    """Raises intake.IntakeError for a file the cheap guards refuse."""
    return imports.in_background(upload, LIMITS)


def start_import(*, upload, campaign: Campaign, user) -> Job:
    check_poster_role(user)  # refused before the file is staged; import_payments asks again per row
    staged = imports.stage(upload, kind=STAGING)
    return imports.start_import(kind=IMPORT, staged=staged, campaign_id=campaign.pk, user=user)


@register(
    IMPORT,
    title=_("批量导入缴费"),
    counts=COUNTS,
    describe_error=imports.describer(MESSAGES),
    render_file=imports.error_file(ERRORS_FILE, MESSAGES),
)
def run_import(job: Job, progress) -> Outcome:
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
        )
    except FeeError as exc:
        imports.discard(job)
        raise imports.file_error(exc) from None
    imports.discard(job)
    if not result.ok:
        raise imports.rejected("rejected", result.errors, table=result.table)
    counts = {"rows": result.rows, "created": result.created, "replayed": result.replayed}
    # Money as its decimal text: a count is an int, a sum of yuan is not.
    counts["total"] = f"{result.total:.2f}"
    return Outcome(counts=counts, errors=[imports.error_dict(n.as_error()) for n in result.notices])
