"""Existing rows are migrated: old action names, class-name strings and system sentences become codes."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sessions_app.idcard import make_id_number

BEFORE = [
    ("sessions_app", "0001_initial"),  # the historical Campaign below must match the table's columns
    ("accounts", "0002_initial"),
    ("fees", "0003_remittance_snapshot"),
    ("verification", "0001_initial"),
    ("retakes", "0001_initial"),
    ("notifications", "0001_initial"),
    ("sessions_app", "0001_initial"),
]
AFTER = [
    ("accounts", "0005_drop_audit_summary"),
    ("fees", "0005_system_notes_as_codes"),
    ("verification", "0003_system_notes_as_codes"),
    ("retakes", "0004_findings_as_codes"),
    ("notifications", "0003_delivery_errors_as_codes"),
    ("sessions_app", "0002_campaign_photo_backgrounds"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_rows_become_codes_and_data():
    old = _migrate(BEFORE)
    Campaign = old.get_model("sessions_app", "Campaign")
    College = old.get_model("sessions_app", "College")
    Student = old.get_model("sessions_app", "Student")
    AuditEvent = old.get_model("accounts", "AuditEvent")
    campaign = Campaign.objects.create(code="m", name="m", fee_per_person="17.00", capture_dates="2020-11-26")
    college = College.objects.create(name="设计学院")
    student = Student.objects.create(
        campaign=campaign,
        college=college,
        student_no="20170009",
        name="李四",
        id_number=make_id_number(area="210202", birth=datetime.date(1999, 1, 1), sequence=9),
        gender="男",
    )
    AuditEvent.objects.create(
        action="slot_override",
        object_type="Student",
        object_id=str(student.pk),
        summary="20170009 时段 None → 13",
        data={"from_slot": None, "to_slot": 13, "reason": "冲突"},
    )
    AuditEvent.objects.create(
        action="chsi_status_import",
        summary="导入学信网校对状态 状态.xlsx：确认 3，撤销确认 0，未变 1，未匹配 0",
        data={"confirmed": 3, "unconfirmed": 0, "unchanged": 1, "unmatched": 0},
    )
    Delivery = old.get_model("notifications", "Delivery")
    Notification = old.get_model("notifications", "Notification")
    User = old.get_model("accounts", "User")
    user = User.objects.create(username="u")
    ContentType = old.get_model("contenttypes", "ContentType")
    subject = ContentType.objects.get_or_create(app_label="sessions_app", model="student")[0]
    note = Notification.objects.create(
        user=user, kind="k", subject_type=subject, subject_id=student.pk, step="s", title="T", body="B"
    )
    Delivery.objects.create(
        notification=note, channel="sms", address="1", status="failed", last_error="发送中断次数过多"
    )
    try:
        new = _migrate(AFTER)
        events = new.get_model("accounts", "AuditEvent").objects.order_by("id")
        override, chsi = list(events)
        assert override.action == "slot.override"
        assert (override.content_type.app_label, override.content_type.model) == ("sessions_app", "student")
        assert override.data == {"from_slot": None, "to_slot": 13, "reason": "冲突", "student_id": student.pk}
        assert chsi.action == "verification.chsi_import" and chsi.data["file"] == "状态.xlsx"
        assert chsi.content_type is None
        delivery = new.get_model("notifications", "Delivery").objects.get()
        assert delivery.error_code == "interrupted" and delivery.last_error == ""
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
