"""The system's notes in retake histories become codes; retake audit rows name their student."""

import re

from django.db import migrations

NOTES = {
    "提交电子照片": "photo_submitted",
    "自动检查通过": "check_passed",
    "自动检查出错：照片文件读取失败": "check_error",
    "收到纸质照片": "paper_received",
    "补拍完成": "done",
}
FAILED = re.compile(r"^自动检查未通过：(\d+) 项问题$")


def forward(apps, schema_editor):
    RetakeEvent = apps.get_model("retakes", "RetakeEvent")
    for text, code in NOTES.items():
        RetakeEvent.objects.filter(note=text, note_code="").update(note="", note_code=code)
    for event in RetakeEvent.objects.filter(note__startswith="自动检查未通过：", actor__isnull=True):
        match = FAILED.match(event.note)
        if match:
            RetakeEvent.objects.filter(pk=event.pk).update(
                note="", note_code="check_failed", note_data={"findings": int(match.group(1))}
            )
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    Request = apps.get_model("retakes", "RetakeRequest")
    Photo = apps.get_model("retakes", "RetakePhoto")
    for event in AuditEvent.objects.filter(action__in=["retake.photo", "retake.accept", "retake.return"]):
        if "student_id" in event.data or not event.object_id.isdigit():
            continue
        if event.action == "retake.photo":
            student_id = Photo.objects.filter(pk=int(event.object_id)).values_list("request__student_id", flat=True)
        else:
            student_id = Request.objects.filter(pk=int(event.object_id)).values_list("student_id", flat=True)
        student_id = student_id.first()
        if student_id is not None:
            AuditEvent.objects.filter(pk=event.pk).update(data={**event.data, "student_id": student_id})


class Migration(migrations.Migration):
    dependencies = [
        ("retakes", "0002_retakeevent_note_code_retakeevent_note_data"),
        ("accounts", "0005_drop_audit_summary"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
