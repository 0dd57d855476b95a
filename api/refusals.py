"""The words of ApiError's codes, made from their params in the language of the request.

A consumer branches on the code (the JSON body's `error.code`); the message is for the person
reading the response. Each code's HTTP status is in errors.STATUS.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.words import Words

WORDS = Words(
    {
        "bad_cursor": gettext_lazy("游标无效：请使用上一页返回的 next 原样传回"),
        "bad_limit": gettext_lazy("limit 应在 1 到 %(max)s 之间"),
        "staff_only": lambda p: (
            _("只有教务处可以吊销接口令牌") if p.get("what") == "revoke" else _("只有教务处可以创建接口令牌")
        ),
        "unknown_scope": gettext_lazy("未知的数据范围"),
        "already_revoked": gettext_lazy("这个令牌已经吊销"),
        "missing_token": gettext_lazy("请在请求头 Authorization: Bearer <令牌> 中提供接口令牌"),
        "invalid_token": gettext_lazy("接口令牌无效"),
        "token_revoked": gettext_lazy("接口令牌已被吊销"),
        "throttled": gettext_lazy("请求过于频繁，请 %(seconds)s 秒后重试"),
        "campaign_not_found": gettext_lazy("没有这个采集批次，或令牌无权读取"),
        "college_not_found": gettext_lazy("本批次名单中没有这个学院"),
    },
    name="api.refusals",
    examples={"bad_limit": {"max": 1000}, "throttled": {"seconds": 30}, "staff_only": {"what": "revoke"}},
)
