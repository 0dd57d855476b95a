"""Delivery failures get a code; the rendered sentence written before is replaced by it."""

from django.db import migrations


def forward(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    Delivery.objects.filter(last_error="发送中断次数过多").update(error_code="interrupted", last_error="")
    Delivery.objects.exclude(last_error="").filter(error_code="").update(error_code="transport")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_delivery_error_code_alter_delivery_last_error")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
