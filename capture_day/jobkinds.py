"""Background job kinds of the capture day: the 采集码 reminder, once its confirmation is posted."""

from django.utils.translation import gettext_lazy as _

from jobs.models import Job
from jobs.registry import JobRejected, Outcome, register
from jobs.services import start_job
from sessions_app.models import Campaign

from . import code_reminders

REMIND_UNBOUND = "capture_day.remind_unbound"


def start_remind_unbound(*, campaign: Campaign, user, college_id: int | None, class_name: str | None) -> Job:
    return start_job(
        kind=REMIND_UNBOUND,
        key=f"campaign:{campaign.pk}:user:{user.pk}:college:{college_id or ''}:class:{class_name}",
        owner=user,
        params={"campaign_id": campaign.pk, "college_id": college_id, "class_name": class_name},
    )


# A refusal found when the job runs (the campaign closed, the coordinator moved) is stored as its
# code and params and put into words (code_reminders.REFUSALS) when the job page is read.


@register(
    REMIND_UNBOUND,
    title=_("提醒学生绑定学信网采集码"),
    counts={"sent": _("已提醒")},
    errors=code_reminders.REFUSALS,
)
def run_remind_unbound(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    try:
        sent = code_reminders.remind_unbound(
            campaign=campaign,
            actor=job.owner,
            college_id=job.params.get("college_id"),
            class_name=job.params.get("class_name"),
        )
    except code_reminders.CodeReminderError as exc:  # closed or out of scope since it was confirmed
        raise JobRejected(exc.code, [exc.stored()]) from None
    return Outcome(counts={"sent": sent})
