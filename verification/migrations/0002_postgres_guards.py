"""PostgreSQL-only guard: problem report steps are append-only even through raw SQL (accounts.append_only_sql)."""

from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("verification_reportstep")


class Migration(migrations.Migration):
    dependencies = [("verification", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
