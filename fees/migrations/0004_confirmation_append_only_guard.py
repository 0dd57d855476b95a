from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("fees_remittanceconfirmation")


class Migration(migrations.Migration):
    dependencies = [("fees", "0003_remittance_snapshot"), ("accounts", "0004_audit_append_only_guard")]

    operations = [migrations.RunPython(forward, backward)]
