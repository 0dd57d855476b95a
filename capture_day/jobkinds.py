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
# code and put into words when the job page is read.
REFUSALS = {
    "campaign_closed": _("本批次已结束，不再发送提醒"),
    "not_enabled": _("本批次不使用学信网采集码，无需提醒"),
    "not_allowed": _("只有教务处和学院负责老师可以发送提醒"),
    "college_out_of_scope": _("只能提醒本学院的学生"),
}


def _describe(error: dict) -> str:
    return str(REFUSALS.get(error.get("code", ""), error.get("code", "")))


@register(
    REMIND_UNBOUND,
    title=_("提醒学生绑定学信网采集码"),
    counts={"sent": _("已提醒")},
    describe_error=_describe,
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
        raise JobRejected(exc.code, [{"code": exc.code}]) from None
    return Outcome(counts={"sent": sent})
