"""PostgreSQL-only guard: the audit trail is append-only even through raw SQL (accounts.append_only_sql)."""

from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("accounts_auditevent")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(forward, backward)]
