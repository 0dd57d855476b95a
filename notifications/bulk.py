"""What a send to many people will do, shown before anything is sent.

Every action that messages more than one person (the staff reminder run, "remind these now",
the 采集码 reminder) first answers with a `SendPlan`: how many people, which message (one of
them in full), which channels, and, when it would send nothing, why and when the next one is
due. Only a POST of that confirmation starts the send (templates/notifications/confirm_send.html).
"""

import dataclasses

from django.utils.translation import gettext as _

from .messages import kind_label, render
from .models import Channel
from .services import Message


@dataclasses.dataclass
class SendPlan:
    action: str  # what the button does, e.g. "按提醒计划发送今天到期的网上校对提醒"
    count: int  # people who will get a message now
    message: str = ""  # the kind of message, e.g. "网上校对提醒"
    steps: list[tuple[str, int]] = dataclasses.field(default_factory=list)  # (step's words, people)
    sample_title: str = ""
    sample_body: str = ""
    channels: str = ""
    skipped: str = ""  # who is left out and why ("今天已提醒过的 3 人不再重复")
    nothing_because: str = ""  # when count is 0: why, and when the next one is due


def channel_words(channels: tuple[str, ...]) -> str:
    names = [str(Channel(c).label) for c in channels if c in Channel.values]
    external = [c for c in channels if c != Channel.INBOX]
    words = _("、").join(names)
    if external:
        return _("%(channels)s（短信和邮件只发给登记了手机号或邮箱的人）") % {"channels": words}
    return words


def describe(plan: SendPlan, sample: Message | None) -> SendPlan:
    """Fill the plan's message, sample and channels from one of the messages it would send."""
    if sample is not None:
        plan.message = kind_label(sample.kind)
        plan.sample_title, plan.sample_body = render(sample.code, sample.data)
        plan.channels = channel_words(sample.channels)
    return plan


def confirmation_page(request, *, plan: SendPlan, campaign, back_url: str, carry: dict | None = None):
    """The page that asks before a send: it posts the same form again with confirm=1."""
    from django.shortcuts import render

    return render(
        request,
        "notifications/confirm_send.html",
        {
            "plan": plan,
            "campaign": campaign,
            "action_url": request.get_full_path(),
            "back_url": back_url,
            # None is "not given"; "" is kept (the students without a class are a filter of their own).
            "carry": [(k, v) for k, v in (carry or {}).items() if v is not None],
        },
    )


def confirmed(request) -> bool:
    return request.POST.get("confirm") == "1"
