"""Why the payment platform's callback refused a call: a code and data in, words out.

The callback log (CallbackLog.error_code + error_data) keeps these, and the JSON answer and the
admin put them into words, each in its reader's language. The words of the fee rules a refusal
passes on (amounts, payment time, overpayment) are the rules' own messages, made again from the
error's params.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.words import Words

from .refusals import AMOUNT
from .refusals import WORDS as RULES


def _malformed(data: dict) -> str:
    problem = data.get("problem")
    if problem == "not_json":
        return _("请求内容不是有效的 JSON")
    if problem == "not_object":
        return _("请求内容应是 JSON 对象")
    if problem == "missing":
        return _("缺少字段：%(fields)s") % {"fields": ", ".join(data.get("fields", []))}
    if problem == "not_string":
        return _("%(field)s 应是字符串") % {"field": data.get("field", "")}
    if problem == "empty_or_long":
        return _("%(field)s 为空或过长") % {"field": data.get("field", "")}
    if problem == "amount_type":
        return _("amount 应是数字或字符串")
    if problem == "paid_at_type":
        return _("paid_at 应是 ISO 8601 时间字符串")
    if problem == "paid_at_invalid":
        return _("paid_at 不是有效时间，应如 2020-11-20T10:15:00+08:00")
    return _("请求内容格式有误")


def _amount(data: dict) -> str:
    # The money parser's own words, from the refusal's reason and params.
    return AMOUNT.text(data.get("reason") or "amount_invalid", data)


WORDS = Words(
    {
        "rate_limited": gettext_lazy("请求过于频繁，请稍后再试"),
        "bad_signature": lambda data: (
            _("未配置回调密钥，拒绝所有回调") if data.get("unconfigured") else _("签名缺失或错误")
        ),
        "too_large": gettext_lazy("请求内容过大"),
        "malformed": _malformed,
        "bad_amount": _amount,
        "unknown_campaign": lambda data: _("没有采集批次 %(code)s") % {"code": data.get("campaign", "")},
        "unknown_student": lambda data: (
            _("批次 %(code)s 中没有学号 %(no)s") % {"code": data.get("campaign", ""), "no": data.get("student_no", "")}
        ),
        "duplicate_mismatch": gettext_lazy("重复的交易号，但学号或金额与首次通知不同；未入账，请核对"),
        # bad_paid_at, overpaid, key_reused: the fee rules' own refusals, passed on (base=RULES)
        # core.unavailable: the database or the queue blinked; nothing was posted, the platform resends.
        "db_unavailable": gettext_lazy("系统暂时不可用，未入账：请稍后重发此通知"),
        "queue_unavailable": gettext_lazy("系统暂时不可用，未入账：请稍后重发此通知"),
    },
    name="fees.callback_errors",
    base=RULES,
    fallback=gettext_lazy("未入账：原因无法显示，请联系教务处核对"),
    examples={
        "bad_amount": {"reason": "amount_too_large", "max": "99999.99"},
    },
)


def describe(code: str, data: dict | None = None) -> str:
    """The refusal in the active language (a code this version no longer knows: a plain sentence)."""
    return WORDS.text(code, data) if code else ""
