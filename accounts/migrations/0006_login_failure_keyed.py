from django.db import migrations, models


def forget_plain_failures(apps, schema_editor):
    # They held what people typed, sometimes an ID number; they only ever mattered for 15 minutes.
    apps.get_model("accounts", "LoginFailure").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_drop_audit_summary")]

    operations = [
        migrations.RunPython(forget_plain_failures, migrations.RunPython.noop),
        migrations.RemoveField(model_name="loginfailure", name="username"),
        migrations.AddField(
            model_name="loginfailure",
            name="identifier",
            field=models.CharField(db_index=True, default="", max_length=64, verbose_name="账号（散列）"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="loginfailure",
            name="shown",
            field=models.CharField(blank=True, max_length=64, verbose_name="账号（部分隐藏）"),
        ),
        migrations.AlterField(
            model_name="loginfailure",
            name="ip_address",
            field=models.GenericIPAddressField(db_index=True, verbose_name="来源地址"),
        ),
        migrations.AddIndex(
            model_name="loginfailure",
            index=models.Index(fields=["identifier", "ip_address", "created_at"], name="login_failure_pair"),
        ),
    ]
