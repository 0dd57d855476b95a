"""The erasure of a campaign as a background job: its page shows progress, its file is the archive."""

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from jobs.models import Job
from jobs.registry import JobRejected, Outcome, register
from sessions_app.models import Campaign

from . import services
from .archive import write_archive
from .labels import COUNT_LABELS
from .models import ERASE_KIND


def _archive_max_age() -> int:
    return settings.PRIVACY_ARCHIVE_KEEP_DAYS * 24 * 60 * 60


@register(
    ERASE_KIND,
    title=_("删除个人信息（先写归档）"),
    counts=COUNT_LABELS,
    errors=services.PrivacyError.words,
    file_max_age=_archive_max_age,
)
def run_erasure(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    try:
        services.check_erasable(campaign)
    except services.PrivacyError as exc:
        raise JobRejected(exc.code, [exc.stored()]) from None
    # The archive first, stored on the job at once: a run killed during the erasure leaves it, and
    # the run that resumes the job keeps it (written before any row was erased) rather than
    # writing a second one beside it that nothing would ever expire.
    if not job.file:
        name, stream = write_archive(campaign)
        stream.seek(0)
        job.file.save(f"job-{job.pk}.xlsx", File(stream), save=False)
        job.file_name = name
        job.save(update_fields=["file", "file_name"])
    report = services.erase_campaign(campaign=campaign, actor=None, progress=progress)
    return Outcome(counts={k: v for k, v in report.counts.items() if v})
