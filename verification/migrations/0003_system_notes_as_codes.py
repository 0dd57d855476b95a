"""The system's note on a report step becomes a code; verification audit rows name their student."""

from django.db import migrations


def forward(apps, schema_editor):
    ReportStep = apps.get_model("verification", "ReportStep")
    ReportStep.objects.filter(note="学生已在学信网核对确认").update(note="", note_code="confirmed_on_chsi")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    Record = apps.get_model("verification", "VerificationRecord")
    Report = apps.get_model("verification", "ProblemReport")
    for event in AuditEvent.objects.filter(action__startswith="verification.").exclude(
        action="verification.chsi_import"
    ):
        if not event.object_id.isdigit():
            continue
        data = dict(event.data)
        if event.action == "verification.confirm":
            row = Record.objects.filter(pk=int(event.object_id)).values("student_id").first()
        else:
            row = Report.objects.filter(pk=int(event.object_id)).values("student_id", "problem_type").first()
        if row is None:
            continue
        for key, value in row.items():
            data.setdefault(key, value)
        AuditEvent.objects.filter(pk=event.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0002_reportstep_note_code"),
        ("accounts", "0005_drop_audit_summary"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
