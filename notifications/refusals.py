"""The words of DeliveryResolutionError's codes (settling a delivery, a person's own channels).

Beside messages.py (the notifications' own words): a refusal is said once, here, and shown in
the language of whoever is refused.
"""

from django.utils.translation import gettext_lazy

from core.words import Words

WORDS = Words(
    {
        "staff_only": gettext_lazy("只有教务处可以处理发送结果未知的消息。"),
        "not_unknown": gettext_lazy("这条消息的发送结果已经确定，无需处理。"),
        "not_own_preference": gettext_lazy("只能修改自己的接收方式。"),
    },
    name="notifications.refusals",
)
