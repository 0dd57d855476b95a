"""Hand-written data step between the two generated ones: a campaign's single 刷证方式 becomes
its list of methods, and a 采集码 a roster import stored in clear becomes its keyed hash (the
same computation as sessions_app.collection_codes.code_hash, inlined so this step never changes)."""

import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.db import migrations


def _hash(raw: str) -> str | None:
    payload = "".join(unicodedata.normalize("NFKC", raw or "").split())
    if not payload:
        return None
    key = hmac.new(settings.COLLECTION_CODE_KEY.encode(), b"sessions_app.collection_code", hashlib.sha256).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def forwards(apps, schema_editor):
    Campaign = apps.get_model("sessions_app", "Campaign")
    Student = apps.get_model("sessions_app", "Student")
    for campaign in Campaign.objects.all():
        first = campaign.identification or "id_card"
        campaign.identification_methods = [first, "student_no"]
        campaign.save(update_fields=["identification_methods"])
    for student in Student.objects.exclude(collection_code__isnull=True).only("pk", "collection_code"):
        Student.objects.filter(pk=student.pk).update(collection_code_hash=_hash(student.collection_code))


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0009_collection_code_hash")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
