import django.db.models.deletion
from django.db import migrations, models

from accounts.append_only_sql import guard

forward, backward = guard("verification_reportstep")


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0003_system_notes_as_codes'),
        ('accounts', '0007_audit_append_only_guard'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name='reportstep',
            name='report',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='steps', to='verification.problemreport', verbose_name='问题反馈'),
        ),
    ]
