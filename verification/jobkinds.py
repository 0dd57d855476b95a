"""Background job kinds of the verification app: a reminder run started from a page."""

from django.utils.translation import gettext_lazy as _

from jobs.models import Job
from jobs.registry import Outcome, register
from jobs.services import start_job
from sessions_app.models import Campaign

from . import reminders

REMINDERS = "verification.reminders"


def start_reminder_run(*, campaign: Campaign, user) -> Job:
    # One run per campaign at a time, whoever clicks: a second run could only find nothing to send.
    return start_job(kind=REMINDERS, key=f"campaign:{campaign.pk}", owner=user, params={"campaign_id": campaign.pk})


def _step_labels() -> dict:
    labels = {"sent": _("共发送提醒"), reminders.OVERDUE_STEP: _("逾期提醒")}
    for days in reminders.reminder_days():
        labels[f"d-{days}"] = _("截止前 %(days)s 天提醒") % {"days": days}
    return labels


class _Labels(dict):
    """Step labels follow the settings at display time, not at import time."""

    def get(self, key, default=None):
        return _step_labels().get(key, default)


@register(REMINDERS, title=_("发送网上校对提醒"), counts=_Labels())
def run_reminders(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    summary = reminders.send_verification_reminders(campaign=campaign)
    return Outcome(counts={"sent": summary.total, **summary.counts})
