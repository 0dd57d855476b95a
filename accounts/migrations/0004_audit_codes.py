"""Audit rows store codes and data: dotted action codes, a content type, no summary sentence.

Old action names become dotted codes, the class-name string becomes a content type, and the
student a row was about moves into `data` where the display needs it. Each app's own migration
adds what only its models know (fees 0005, verification 0003, retakes 0003).
"""

import re

from django.db import migrations

CODES = {
    "capture": "capture.record",
    "capture_undo": "capture.undo",
    "slot_override": "slot.override",
    "slot_override_cleared": "slot.override_clear",
    "roster_import": "roster.import",
    "account_activated": "account.activate",
    "fee_refund": "fee.refund",
    "fee_waiver": "fee.waiver",
    "fee_reversal": "fee.reverse",
    "fee_remittance": "fee.remittance.submit",
    "fee_remittance_cancel": "fee.remittance.cancel",
    "fee_remittance_confirm": "fee.remittance.confirm",
    "verification_confirmed": "verification.confirm",
    "verification_problem": "verification.problem.report",
    "verification_problem_forwarded": "verification.problem.forward",
    "verification_problem_resolved": "verification.problem.resolve",
    "chsi_status_import": "verification.chsi_import",
    "retake_request": "retake.request",
    "retake_photo": "retake.photo",
    "retake_accept": "retake.accept",
    "retake_return": "retake.return",
}
TYPES = {
    "Capture": ("sessions_app", "capture"),
    "Student": ("sessions_app", "student"),
    "Entry": ("fees", "entry"),
    "Remittance": ("fees", "remittance"),
    "VerificationRecord": ("verification", "verificationrecord"),
    "ProblemReport": ("verification", "problemreport"),
    "RetakeRequest": ("retakes", "retakerequest"),
    "RetakePhoto": ("retakes", "retakephoto"),
}
CHSI_FILE = re.compile(r"^导入学信网校对状态 (.*)：确认 ")


def forward(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = {}
    for event in AuditEvent.objects.all().iterator():
        data = dict(event.data or {})
        content_type_id = None
        if event.object_type:
            if event.object_type not in types:
                app_label, model = TYPES.get(event.object_type, ("", ""))
                types[event.object_type] = (
                    ContentType.objects.get_or_create(app_label=app_label, model=model)[0].pk if model else None
                )
            content_type_id = types[event.object_type]
        if event.object_type == "Student" and event.object_id.isdigit():
            data.setdefault("student_id", int(event.object_id))
        if event.action == "chsi_status_import":
            match = CHSI_FILE.match(event.summary or "")
            data.setdefault("file", match.group(1) if match else "")
        action = CODES.get(event.action, event.action)
        # .update() on the historical model: the app's append-only guard is not part of migrations.
        AuditEvent.objects.filter(pk=event.pk).update(action=action, content_type_id=content_type_id, data=data)


def backward(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    names = {new: old for old, new in CODES.items()}
    classes = {value: key for key, value in TYPES.items()}
    for event in AuditEvent.objects.select_related("content_type").iterator():
        ct = event.content_type
        AuditEvent.objects.filter(pk=event.pk).update(
            action=names.get(event.action, event.action),
            object_type=classes.get((ct.app_label, ct.model), "") if ct else "",
            summary=event.action,
        )


# Separate from the schema changes: PostgreSQL refuses ALTER TABLE after row updates with
# deferred foreign-key checks pending in the same transaction.
class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_auditevent_content_type")]

    operations = [migrations.RunPython(forward, backward)]
