"""System notes on entries become codes; fee audit rows get what their display needs."""

from django.db import migrations

UNDONE_PREFIX = "撤销采集："
PLATFORM_PREFIX = "支付平台交易号 "


def _entries(apps, schema_editor):
    Entry = apps.get_model("fees", "Entry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # The append-only trigger (0002) refuses every UPDATE; this one rewrites no amount.
        schema_editor.execute("ALTER TABLE fees_entry DISABLE TRIGGER fees_entry_append_only")
    Entry.objects.filter(note="采集计费").update(note="", note_code="capture_charge")
    for entry in Entry.objects.filter(note__startswith=UNDONE_PREFIX).only("pk", "note"):
        Entry.objects.filter(pk=entry.pk).update(note=entry.note[len(UNDONE_PREFIX) :], note_code="capture_undone")
    for entry in Entry.objects.filter(note__startswith=PLATFORM_PREFIX, posted_by__isnull=True).only("pk", "note"):
        Entry.objects.filter(pk=entry.pk).update(
            note="",
            note_code="platform_payment",
            note_data={"transaction_id": entry.note[len(PLATFORM_PREFIX) :]},
        )
    if postgres:
        schema_editor.execute("ALTER TABLE fees_entry ENABLE TRIGGER fees_entry_append_only")


def _audit(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    Entry = apps.get_model("fees", "Entry")
    Remittance = apps.get_model("fees", "Remittance")
    for event in AuditEvent.objects.filter(action__in=["fee.refund", "fee.waiver", "fee.reverse"]).iterator():
        entry = Entry.objects.filter(pk=int(event.object_id)).select_related("reverses").first()
        if entry is None:
            continue
        data = dict(event.data)
        if event.action == "fee.reverse":
            data.setdefault("reason", entry.note)
            data.setdefault("reversed_kind", entry.reversed_kind)
        else:
            data.setdefault("note", entry.note)
        AuditEvent.objects.filter(pk=event.pk).update(data=data)
    for event in AuditEvent.objects.filter(action__in=["fee.remittance.cancel", "fee.remittance.confirm"]).iterator():
        remittance = Remittance.objects.filter(pk=int(event.object_id)).first()
        if remittance is None:
            continue
        data = dict(event.data)
        data.setdefault("college_id", remittance.college_id)
        data.setdefault("amount", str(remittance.amount))
        AuditEvent.objects.filter(pk=event.pk).update(data=data)


def forward(apps, schema_editor):
    _entries(apps, schema_editor)
    _audit(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("fees", "0004_entry_note_code_entry_note_data"),
        ("accounts", "0005_drop_audit_summary"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
