from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("retakes_retakeevent")


class Migration(migrations.Migration):
    dependencies = [("retakes", "0004_findings_as_codes"), ("accounts", "0007_audit_append_only_guard")]

    operations = [migrations.RunPython(forward, backward)]
