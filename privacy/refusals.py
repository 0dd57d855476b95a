"""The words of PrivacyError's codes, made from their params when shown.

The erasure job stores a refusal as (code, params) (jobkinds.py), so its page words it here in
the reader's language; params are plain JSON: a campaign's code and name, an ISO time, a balance
as a decimal string, a retake's status code.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import formatting
from core.words import Words
from retakes.models import Status


def _already_erased(p) -> str:
    when = formatting.datetime_long(datetime.datetime.fromisoformat(p["when"]))
    return _("该学生的个人信息已于 %(when)s 删除") % {"when": when}


def _open_fee_balance(p) -> str:
    return _("该学生还欠费 %(amount)s，结清或减免后才能删除") % {"amount": formatting.money(Decimal(p["balance"]))}


def _open_fee_credit(p) -> str:
    amount = formatting.money(-Decimal(p["balance"]))
    return _("学校还应退还该学生 %(amount)s，退费后才能删除") % {"amount": amount}


def _open_retake(p) -> str:
    status = Status(p["status"]).label
    return _("该学生的补拍申请尚未结束（%(status)s），完成或撤销后才能删除") % {"status": status}


WORDS = Words(
    {
        "campaign_not_closed": gettext_lazy("采集批次“%(name)s”尚未结束，不能删除其个人信息"),
        "staff_only": gettext_lazy("只有教务处可以删除学生的个人信息"),
        "reason_missing": gettext_lazy("请写明删除的原因，例如“学生本人书面申请”"),
        "already_erased": _already_erased,
        "open_fee_balance": _open_fee_balance,
        "open_fee_credit": _open_fee_credit,
        "open_retake": _open_retake,
    },
    name="privacy.refusals",
    examples={
        "campaign_not_closed": {"campaign": "2020", "name": "2020"},
        "already_erased": {"when": "2026-09-01T10:00:00+08:00"},
        "open_fee_balance": {"balance": "17.00"},
        "open_fee_credit": {"balance": "-17.00"},
        "open_retake": {"status": Status.REQUESTED},
    },
)
