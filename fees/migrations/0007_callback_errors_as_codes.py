"""The payment platform's callback log keeps why a call was refused as a code and data.

Rows written before hold a Chinese sentence in `error`: the sentences the callback wrote are
turned back into their codes (so they read in English too); anything else becomes `legacy`,
whose data keeps the old text exactly, so no row loses its reason.
"""

import re

from django.db import migrations, models

FIXED = {
    "请求过于频繁，请稍后再试": ("rate_limited", {}),
    "未配置回调密钥，拒绝所有回调": ("bad_signature", {"unconfigured": True}),
    "签名缺失或错误": ("bad_signature", {}),
    "请求内容过大": ("too_large", {}),
    "请求内容不是有效的 JSON": ("malformed", {"problem": "not_json"}),
    "请求内容应是 JSON 对象": ("malformed", {"problem": "not_object"}),
    "amount 应是数字或字符串": ("malformed", {"problem": "amount_type"}),
    "paid_at 应是 ISO 8601 时间字符串": ("malformed", {"problem": "paid_at_type"}),
    "paid_at 不是有效时间，应如 2020-11-20T10:15:00+08:00": ("malformed", {"problem": "paid_at_invalid"}),
    "重复的交易号，但学号或金额与首次通知不同；未入账，请核对": ("duplicate_mismatch", {}),
    "缴费时间晚于当前时间，请核对": ("bad_paid_at", {}),
    "金额不能为空": ("bad_amount", {"reason": "amount_empty"}),
    "金额必须大于 0": ("bad_amount", {"reason": "amount_not_positive"}),
    "金额最多两位小数（元、角、分）": ("bad_amount", {"reason": "amount_precision"}),
}
PATTERNS = [
    (re.compile(r"^没有采集批次 (?P<campaign>\S+)$"), "unknown_campaign"),
    (re.compile(r"^批次 (?P<campaign>\S+) 中没有学号 (?P<student_no>\S+)$"), "unknown_student"),
]


def code_for(text: str) -> tuple[str, dict]:
    if text in FIXED:
        return FIXED[text]
    for pattern, code in PATTERNS:
        match = pattern.match(text)
        if match:
            return code, match.groupdict()
    if text.startswith("缺少字段："):
        return "malformed", {"problem": "missing", "fields": text.removeprefix("缺少字段：").split(", ")}
    return "legacy", {"text": text}


def forward(apps, schema_editor):
    CallbackLog = apps.get_model("fees", "CallbackLog")
    rows = list(CallbackLog.objects.exclude(error="").only("id", "error"))
    for row in rows:
        row.error_code, row.error_data = code_for(row.error)
    CallbackLog.objects.bulk_update(rows, ["error_code", "error_data"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("fees", "0006_confirmation_append_only_guard")]

    operations = [
        migrations.AddField(
            model_name="callbacklog",
            name="error_code",
            field=models.CharField(blank=True, max_length=32, verbose_name="错误类型"),
        ),
        migrations.AddField(
            model_name="callbacklog",
            name="error_data",
            field=models.JSONField(blank=True, default=dict, verbose_name="错误数据"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(model_name="callbacklog", name="error"),
    ]
