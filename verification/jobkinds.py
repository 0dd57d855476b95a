"""Background job kinds of the verification app: reminder runs started from a page, and the CHSI status
import's check and import (jobs.imports' one flow)."""

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.words import Words
from jobs import imports
from jobs.models import Job
from jobs.registry import JobRejected, Outcome, register
from jobs.services import start_job
from sessions_app.models import Campaign
from sessions_app.phases import CampaignClosed
from sessions_app.scope import visible_students

from . import chsi_import, reminders
from .import_messages import MESSAGES, plan_counts

REMINDERS = "verification.reminders"


def start_reminder_run(*, campaign: Campaign, user) -> Job:
    # One run per campaign at a time, whoever clicks: a second run could only find nothing to send.
    return start_job(kind=REMINDERS, key=f"campaign:{campaign.pk}", owner=user, params={"campaign_id": campaign.pk})


class _StepLabels(Words):
    """The run's counts: "sent", the overdue step and one "d-N" per reminder day, whatever days the
    settings name at display time."""

    def words(self, code: str, params=None):
        if code.startswith("d-") and code[2:].isdigit():
            days = int(code[2:])
            return ngettext("截止前 %(days)s 天提醒", "截止前 %(days)s 天提醒", days) % {"days": days}
        return super().words(code, params)


STEP_LABELS = _StepLabels(
    {"sent": _("共发送提醒"), reminders.OVERDUE_STEP: _("逾期提醒")},
    name="verification.reminders counts",
)


@register(REMINDERS, title=_("按提醒计划发送网上校对提醒"), counts=STEP_LABELS)
def run_reminders(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    try:
        summary = reminders.send_verification_reminders(campaign=campaign)
    except CampaignClosed:  # closed between the confirmation and the run
        raise JobRejected(CampaignClosed.CODE) from None
    return Outcome(counts={"sent": summary.total, **summary.counts})


REMIND_NOW = "verification.remind_now"


def start_remind_now(*, campaign: Campaign, user, college_id: int | None) -> Job:
    """ "Remind these now", confirmed: for the owner's students (narrowed to a college) at run time."""
    return start_job(
        kind=REMIND_NOW,
        key=f"campaign:{campaign.pk}:user:{user.pk}:college:{college_id or ''}",
        owner=user,
        params={"campaign_id": campaign.pk, "college_id": college_id},
    )


@register(REMIND_NOW, title=_("现在提醒未确认的学生"), counts={"sent": _("已提醒")})
def run_remind_now(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    students = visible_students(job.owner, campaign)
    if job.params.get("college_id"):
        students = students.filter(college_id=job.params["college_id"])
    try:
        summary = reminders.remind_unconfirmed_now(campaign=campaign, students=students, progress=progress)
    except CampaignClosed:
        raise JobRejected(CampaignClosed.CODE) from None
    return Outcome(counts={"sent": summary.total})


# --- a CHSI status file (jobs.imports' one flow): checked (the preview), then imported once confirmed --

CHSI_CHECK = "verification.chsi_check"
CHSI_IMPORT = "verification.chsi_import"
CHSI_STAGING = "chsi"
CHSI_ERRORS_FILE = _("学信网状态导入错误行.xlsx")
CHSI_COUNTS = {
    "rows": _("数据行"),
    "confirm": _("标记为已确认"),
    "unconfirm": _("撤销确认"),
    "report": _("登记“信息有误”问题反馈"),
    "already_reported": _("已有未处理的问题反馈"),
    "unchanged": _("未变"),
    "unmatched": _("未匹配（不会导入）"),
}
# The check's counts say what the import will do.
CHSI_CHECK_COUNTS = {
    **CHSI_COUNTS,
    "confirm": _("将标记为已确认"),
    "unconfirm": _("将撤销确认"),
    "report": _("将登记“信息有误”问题反馈"),
}


def _chsi_confirm_label(job: Job) -> str:
    c = job.counts
    counts = plan_counts(
        confirm=int(c.get("confirm", 0)),
        unconfirm=int(c.get("unconfirm", 0)),
        report=int(c.get("report", 0)),
        unchanged=int(c.get("unchanged", 0)),
        unmatched=int(c.get("unmatched", 0)),
        done=False,
    )
    return gettext("确认导入（%(counts)s）") % {"counts": counts}


CHSI_FLOW = imports.ImportFlow(
    check=CHSI_CHECK,
    write=CHSI_IMPORT,
    staging=CHSI_STAGING,
    limits=chsi_import.limits,
    confirm_url="verification:import_confirm_job",
    upload_url="verification:import",
    confirm_label=_chsi_confirm_label,
)


def start_chsi_check(*, upload, campaign: Campaign, user) -> Job:
    """Raises chsi_import.ChsiFileError for a file the cheap guards refuse."""
    return CHSI_FLOW.start(upload=upload, campaign_id=campaign.pk, user=user)


def _chsi_outcome(plan) -> Outcome:
    counts = {
        "rows": plan.rows,
        "confirm": len(plan.to_confirm),
        "unconfirm": len(plan.to_unconfirm),
        "report": len(plan.to_report),
        "already_reported": plan.already_reported,
        "unchanged": plan.unchanged,
        "unmatched": len(plan.unmatched),
    }
    notices = [n.as_error() for n in plan.notices]
    return Outcome(counts=counts, errors=[imports.error_dict(e) for e in [*notices, *plan.unmatched]])


def _run_chsi(job: Job, progress, *, write: bool) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    path = imports.staged_path(job)
    name = job.params.get("filename", "")
    try:
        if write:
            plan = chsi_import.apply_import(
                source=str(path), campaign=campaign, actor=job.owner, file_name=name, progress=progress
            )
        else:
            plan = chsi_import.plan_import(source=str(path), campaign=campaign, filename=name, progress=progress)
    except chsi_import.ChsiFileError as exc:
        imports.discard(job)
        raise imports.file_error(exc) from None
    if not plan.ok:
        imports.discard(job)
        raise imports.rejected("rejected", plan.errors, table=plan.table)
    if write:
        imports.discard(job)
    return _chsi_outcome(plan)


# Row errors in the reader's language, the error workbook built when downloaded (import_messages.py).
_CHSI_WORDS = {
    "describe_error": imports.describer(MESSAGES),
    "render_file": imports.error_file(CHSI_ERRORS_FILE, MESSAGES),
}


@register(
    CHSI_CHECK,
    title=_("检查学信网校对状态表（导入前预览）"),
    counts=CHSI_CHECK_COUNTS,
    follow_up=CHSI_FLOW.follow_up,
    **_CHSI_WORDS,
)
def run_chsi_check(job: Job, progress) -> Outcome:
    return _run_chsi(job, progress, write=False)


@register(CHSI_IMPORT, title=_("导入学信网校对状态"), counts=CHSI_COUNTS, **_CHSI_WORDS)
def run_chsi_import(job: Job, progress) -> Outcome:
    return _run_chsi(job, progress, write=True)
