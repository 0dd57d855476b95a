"""The photo service's counts are append-only at the database too (accounts.append_only_sql)."""

from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("fees_servicecount")


class Migration(migrations.Migration):
    dependencies = [("fees", "0003_service_count_and_fee_notice")]

    operations = [migrations.RunPython(forward, backward)]
