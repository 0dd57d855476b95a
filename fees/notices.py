"""What this app's notifications say: codes and data in, words out (notifications.messages)."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import formatting
from notifications.messages import register_kind, register_message

REMITTANCE_DUE = "fee.remittance_due"

register_kind("remittance_due", gettext_lazy("上交采集费提醒"))


@register_message(
    REMITTANCE_DUE,
    example={
        "campaign": "2026",
        "deadline": "2026-09-01",
        "colleges": [{"college": "CS", "unpaid": 2, "amount": "34.00"}],
    },
)
def remittance_due(data: dict) -> tuple[str, str]:
    title = _("%(campaign)s：请于 %(deadline)s 前收齐并上交采集费") % {
        "campaign": data["campaign"],
        "deadline": formatting.date(datetime.date.fromisoformat(data["deadline"])),
    }
    lines = [
        ngettext(
            "%(college)s：%(unpaid)s 人未缴费，可上交 %(amount)s",
            "%(college)s：%(unpaid)s 人未缴费，可上交 %(amount)s",
            item["unpaid"],
        )
        % {"college": item["college"], "unpaid": item["unpaid"], "amount": formatting.money(item["amount"])}
        for item in data["colleges"]
    ]
    return title, "\n".join(lines)
