"""Group payments and their allocation are append-only at the database too (accounts.append_only_sql)."""

from django.db import migrations

from accounts.append_only_sql import guard

group_forward, group_backward = guard("fees_grouppayment")
item_forward, item_backward = guard("fees_grouppaymentitem")


class Migration(migrations.Migration):
    dependencies = [("fees", "0006_group_payment")]

    operations = [
        migrations.RunPython(group_forward, group_backward),
        migrations.RunPython(item_forward, item_backward),
    ]
