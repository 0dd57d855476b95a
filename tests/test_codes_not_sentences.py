"""Nothing persisted is a rendered sentence where a code belongs; errors carry codes.

The day's work runs through the real services (capture, undo, override, payments, refund,
waiver, reversal, remittance, CHSI confirmation, problem reports, a failed delivery); then every
code field must hold a code, the audit payload no system words, and no human-text field a
sentence the system wrote.
"""

import ast
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.audit import CODE_PATTERN, action_for
from accounts.models import AuditEvent, Role
from capture_day.services import check_in, undo_check_in
from core.errors import CodedError
from fees import remittances
from fees import services as fees
from fees.models import Entry, Method, NoteCode
from notifications.messages import is_registered
from notifications.models import Delivery, DeliveryError, Notification
from retakes.models import EventNote, RetakeEvent
from sessions_app.services import override_student_slot, refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user
from tests.text_support import json_strings
from verification import services as verification
from verification.models import ProblemType, ReportStep, StepNote

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
# Keys of audit data that hold what a person typed or a file's own name: free text by design.
HUMAN_KEYS = {"reason", "note", "file"}
CODE = re.compile(r"^[a-z0-9_.]*$")


def _key():
    return uuid.uuid4().hex


@pytest.fixture
def a_day(db, settings):
    settings.SMS_BACKEND = "tests.test_codes_not_sentences.BrokenSms"
    campaign = make_campaign(fee_per_person=Decimal("17.00"))
    college = make_college("计算机科学与工程学院")
    slot = make_slot(campaign)
    make_audience(slot, college=college)
    other = make_slot(campaign, group="金石滩第二组")
    staff = make_user(Role.STAFF)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    students = [make_student(campaign, college, phone="13800000001") for _ in range(3)]
    refresh_slot_assignments(campaign=campaign)
    override_student_slot(student=students[2], slot=other, actor=staff, reason="考试")
    captures = [
        check_in(campaign=campaign, slot=slot, identifier=s.student_no, operator=staff).capture for s in students
    ]
    undo_check_in(capture=captures[2], actor=staff, reason="刷错了人")
    paid = fees.post_payment(
        student=students[0], amount="17", method=Method.CASH, actor=coordinator, idempotency_key=_key()
    )
    fees.post_payment(student=students[1], amount="17", method=Method.CASH, actor=coordinator, idempotency_key=_key())
    fees.post_refund(
        student=students[1], amount="2", method=Method.CASH, actor=staff, idempotency_key=_key(), note="多收"
    )
    fees.post_waiver(student=students[1], amount="2", actor=staff, idempotency_key=_key(), note="困难")
    fees.reverse_entry(entry=paid.entry, actor=staff, reason="记错人", idempotency_key=_key())
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=_key()
    )
    remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount=remittance.amount)
    verification.report_problem(
        student=students[0], problem_type=ProblemType.NO_PHOTO_FIND, description="", actor=staff
    )
    verification.confirm_verification(student=students[0], actor=staff)
    verification.report_problem(
        student=students[1], problem_type=ProblemType.WRONG_DATA, description="姓名错字", actor=staff
    )
    return campaign


class BrokenSms:
    def send(self, phone, text):
        raise ConnectionError("gateway down")


def test_code_fields_hold_codes_and_payloads_hold_no_system_words(a_day):
    events = list(AuditEvent.objects.all())
    assert {e.action for e in events} >= {
        "slot.override",
        "capture.record",
        "capture.undo",
        "fee.refund",
        "fee.waiver",
        "fee.reverse",
        "fee.remittance.submit",
        "fee.remittance.confirm",
        "verification.problem.report",
        "verification.confirm",
    }
    for event in events:
        assert CODE_PATTERN.match(event.action) and action_for(event.action), event.action
        for key, value in event.data.items():
            if isinstance(value, str) and key not in HUMAN_KEYS:
                assert not CJK.search(value), (event.action, key, value)
        assert event.summary, event.action  # and every stored row can be put into words
    for model, field in [(Entry, "note_code"), (RetakeEvent, "note_code"), (ReportStep, "note_code")]:
        assert all(CODE.match(v) for v in model.objects.values_list(field, flat=True)), model
    assert all(CODE.match(v) for v in Delivery.objects.values_list("error_code", flat=True))
    # Notifications: a registered message code and data; names are data, the sentence is not.
    notes = list(Notification.objects.all())
    assert {n.code for n in notes} == {"verification.problem_submitted"}
    for note in notes:
        assert is_registered(note.code) and note.title and note.body
        for key, value in note.data.items():
            if isinstance(value, str) and key not in {"name", "text"}:
                assert not CJK.search(value), (note.code, key, value)
    # The system's words never land in the field that keeps what a person typed.
    system_words = {str(label) for label in NoteCode.labels + EventNote.labels + StepNote.labels}
    system_words |= {str(label) for label in DeliveryError.labels}
    typed = [
        *Entry.objects.values_list("note", flat=True),
        *RetakeEvent.objects.values_list("note", flat=True),
        *ReportStep.objects.values_list("note", flat=True),
        *Delivery.objects.values_list("last_error", flat=True),
    ]
    for text in typed:
        assert not any(word in text for word in system_words), text
        assert text in {"", "刷错了人", "多收", "困难", "记错人", "姓名错字"} or not CJK.search(text), text
    charge = Entry.objects.filter(kind="charge").first()
    assert charge.note == "" and charge.note_code == NoteCode.CAPTURE_CHARGE and charge.note_display == "采集计费"
    undone = Entry.objects.get(note_code=NoteCode.CAPTURE_UNDONE)
    assert undone.note == "刷错了人" and undone.note_display == "撤销采集：刷错了人"
    step = ReportStep.objects.get(note_code=StepNote.CONFIRMED_ON_CHSI)
    assert step.note == "" and step.note_display == "学生已在学信网核对确认"


ERRORS = {"FeeError", "VerificationError", "ActivationError"}  # any left raised by a ready message
# Errors raised by their code and params (core.errors.CodedError with a words registry).
CODE_FIRST = {"AmountError", "IntakeError", "InvalidIdNumber", "CodeReminderError", "CampaignClosed"}


def test_every_raised_rule_error_carries_a_code():
    """An error raised without a code is found here, not in production."""
    missing = []
    for path in ROOT.glob("*/**/*.py"):
        if {".venv", "tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            code_first = (isinstance(func, ast.Name) and func.id in CODE_FIRST) or (
                isinstance(func, ast.Attribute) and func.attr == "of"
            )
            if code_first:
                if not node.args:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(func, ast.Name) and func.id in ERRORS:
                if len(node.args) < 2 and not any(k.arg == "code" for k in node.keywords):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []


def test_callers_branch_on_the_code():
    with pytest.raises(fees.FeeError) as refused:
        fees.parse_amount("")
    assert isinstance(refused.value, CodedError) and refused.value.code == "amount_empty"
    with pytest.raises(ValueError):
        CodedError("无码", "")


def test_failed_import_jobs_store_codes_and_params_never_their_words(client, db, settings, tmp_path):
    """Whole-file refusals and row errors of background imports: codes and data in every Job field."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import TestCase
    from django.urls import reverse

    from jobs.models import Job
    from tests.roster_world import build_world, student_row, write_xlsx

    settings.IMPORT_BACKGROUND_ROWS = 2
    world = build_world()
    client.force_login(world.staff)
    uploads = {
        "unreadable.csv": "\n".join(["学号,姓名", "1," + "x" * 200_000, "2,李雷"]).encode(),
        "no-id.xlsx": write_xlsx(
            tmp_path / "a.xlsx", [["1", "王伟", "机电工程学院"]] * 3, header=["学号", "姓名", "学院"]
        ),
        "bad-rows.xlsx": write_xlsx(tmp_path / "b.xlsx", [student_row(n, 学院="天文学院") for n in range(3)]),
    }
    for name, data in uploads.items():
        data = data if isinstance(data, bytes) else data.read_bytes()
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(
                reverse("roster:upload"), {"campaign": world.campaign.pk, "file": SimpleUploadedFile(name, data)}
            )
    jobs = list(Job.objects.all())
    assert len(jobs) == 3 and {j.status for j in jobs} == {"failed"}
    assert {e["code"] for j in jobs for e in j.errors} == {"csv_malformed", "header_incomplete", "name_unknown"}
    system_words = re.compile(r"[，：。；？]|不在系统中|表头缺少|格式有误")
    for job in jobs:
        assert CODE.match(job.error_code) and job.error_code, job.error_code
        for error in job.errors:
            assert CODE.match(error["code"]) and "message" not in error, error
            assert not [s for s in json_strings(error.get("params", {})) if system_words.search(s)], error
        for field in (job.counts, job.result):
            assert not [s for s in json_strings(field) if system_words.search(s)], field
