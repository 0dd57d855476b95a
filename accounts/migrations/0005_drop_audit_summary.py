"""The stored summary sentence and the class-name string are gone (see 0004)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_audit_codes")]

    operations = [
        migrations.RemoveField(model_name="auditevent", name="object_type"),
        migrations.RemoveField(model_name="auditevent", name="summary"),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["content_type", "object_id"], name="audit_object"),
        ),
    ]
