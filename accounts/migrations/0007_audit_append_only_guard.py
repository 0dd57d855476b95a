from django.db import migrations

from accounts.append_only_sql import guard

forward, backward = guard("accounts_auditevent")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_login_failure_keyed")]

    operations = [migrations.RunPython(forward, backward)]
