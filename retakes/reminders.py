"""The retakes app's reminder rule, run by notifications.reminders (one mechanism, one beat entry).

`DEADLINE` ("retakes.deadline", 09:00): to the student of each open request whose next move is
theirs (and to their counselor), the steps of `RETAKE_REMINDER_DAYS` before the campaign's retake
deadline. An accepted request whose paper photo has arrived needs nothing more.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from notifications import reminders as mechanism
from notifications.reminders import Candidate, ReminderRule, register
from notifications.schedules import StepSchedule
from notifications.services import Message
from sessions_app.models import Campaign
from sessions_app.phases import open_campaigns

from . import notices
from .models import RetakeRequest, Status
from .selectors import requests_due_for_reminder

KIND = "retake_due"


def _candidates(*, campaign: Campaign, today: datetime.date, days: tuple[int, ...], batch_size: int):
    # One batch: the requests of one campaign within days of its deadline (their rows are loaded anyway).
    batch = []
    for request in requests_due_for_reminder(campaign=campaign, today=today, horizon_days=max(days, default=0)):
        if request.status == Status.ACCEPTED and request.paper_photo_received_at is not None:
            continue
        batch.append(
            Candidate(subject_id=request.pk, deadline=request.deadline, student_id=request.student_id, item=request)
        )
        if request.student.counselor_id:
            batch.append(
                Candidate(
                    subject_id=request.pk, deadline=request.deadline, user_id=request.student.counselor_id, item=request
                )
            )
    yield batch


def _messages(*, campaign: Campaign, today: datetime.date, due: list[tuple[Candidate, str]]) -> list[Message]:
    messages = []
    for candidate, step in due:
        request = candidate.item
        data = {
            "deadline": request.deadline.isoformat(),
            "left": (request.deadline - today).days,
            "status": request.status,
            "channel": request.channel,
        }
        if candidate.student_id is not None:
            messages.append(
                Message(recipient=request.student, kind=KIND, subject=request, step=step, code=notices.DUE, data=data)
            )
        else:
            messages.append(
                Message(
                    recipient=request.student.counselor,
                    kind=KIND,
                    subject=request,
                    step=step,
                    code=notices.DUE_TO_COUNSELOR,
                    data={**data, "name": request.student.name, "no": request.student.student_no},
                    channels=("inbox", "email"),
                )
            )
    return messages


DEADLINE = register(
    ReminderRule(
        name="retakes.deadline",
        title=gettext_lazy("补拍截止提醒"),
        kind=KIND,
        subject=RetakeRequest,
        schedule=StepSchedule(days=lambda campaign: settings.RETAKE_REMINDER_DAYS),
        candidates=_candidates,
        messages=_messages,
        hour=9,
        # One deadline for the whole campaign: a day without a step reads no request.
        campaign_deadline=lambda campaign: campaign.retake_deadline,
    )
)


def reminder_step(*, deadline: datetime.date, today: datetime.date) -> str | None:
    return DEADLINE.schedule.due_step(deadline=deadline, today=today, days=DEADLINE.schedule.days_for(None))


def send_retake_reminders(*, today: datetime.date | None = None) -> int:
    """The rule for every campaign that is not closed (beat runs it per campaign); how many
    notices were newly recorded."""
    today = today or timezone.localdate()
    return sum(mechanism.run_rule(DEADLINE, campaign=c, today=today).total for c in open_campaigns(today=today))
