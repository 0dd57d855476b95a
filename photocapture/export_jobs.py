"""Every .xlsx export started from a page runs as a background job of kind "export".

The job's key is (report, campaign, user): a user's second click while their export of
that report is still being written lands on the same job; another user gets their own
(an export is narrowed to who asked for it).
"""

import tempfile

from django.utils.translation import gettext_lazy as _

from core.registries import Exporter, exporters
from jobs.models import Job
from jobs.registry import Outcome, register
from jobs.services import start_job
from sessions_app.models import Campaign

KIND = "export"


def export_key(*, name: str, campaign: Campaign, user) -> str:
    return f"{name}:{campaign.pk}:{user.pk}"


def start_export(*, exporter: Exporter, campaign: Campaign, user) -> Job:
    return start_job(
        kind=KIND,
        key=export_key(name=exporter.name, campaign=campaign, user=user),
        owner=user,
        params={"name": exporter.name, "campaign_id": campaign.pk},
    )


def export_name(job: Job) -> str:
    """ "导出：学生名单" rather than one "导出报表" for every report (the registry has each title)."""
    exporter = exporters().get(job.params.get("name", ""))
    if exporter is None:
        return str(_("导出报表"))
    return str(_("导出：%(report)s")) % {"report": exporter.title}


@register(KIND, title=_("导出报表"), name_of=export_name)
def run_export(job: Job, progress) -> Outcome:
    exporter = exporters()[job.params["name"]]
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    # A temporary file, not memory: a 20,000-row workbook is written once and stored.
    stream = tempfile.TemporaryFile()
    exporter.func(campaign=campaign, user=job.owner, stream=stream)
    # What the file holds decides who else may download it (jobs.selectors.may_download).
    return Outcome(
        file=(f"{exporter.title}-{campaign.code}.xlsx", stream),
        result={"full_ids": exporter.writes_full_ids(job.owner)},
    )
