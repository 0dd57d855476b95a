from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="result",
            field=models.JSONField(blank=True, default=dict, verbose_name="结果数据"),
        ),
    ]
