"""PostgreSQL-only guard: retake events are append-only even through raw SQL (accounts.append_only_sql)."""

from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("retakes_retakeevent")


class Migration(migrations.Migration):
    dependencies = [("retakes", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
