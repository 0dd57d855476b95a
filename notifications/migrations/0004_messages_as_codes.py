"""Notifications store a message code and its data instead of a rendered title and body.

The rows written before keep their words: code `legacy.text`, data {"title", "body"} holding the
text exactly as it was sent (notifications.messages renders it as is), so old inbox messages stay
readable; only new rows are put into words in the reader's language.
"""

from django.db import migrations, models
from django.db.models.functions import JSONObject


def forward(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.update(code="legacy.text", data=JSONObject(title="title", body="body"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_delivery_errors_as_codes")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="code",
            field=models.CharField(default="legacy.text", max_length=64, verbose_name="消息类型"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="消息数据"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(model_name="notification", name="title"),
        migrations.RemoveField(model_name="notification", name="body"),
    ]
