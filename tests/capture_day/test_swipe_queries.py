"""A swipe is a handful of queries (issue 14, item 4; issue 19): 9 on PostgreSQL, BEGIN and COMMIT included.

Counted with transaction=True, as in production: a swipe is its own transaction there, so the
test's wrapping transaction would add savepoints no real request pays for.
"""

import datetime
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from capture_day.models import DeskSwipe
from fees.models import Entry
from sessions_app.idcard import make_id_number
from sessions_app.models import Capture, Shot, Student
from tests.desk_world import add_students
from verification.models import VerificationRecord

pytestmark = pytest.mark.django_db(transaction=True)
# Issue 19 took it from 19 to 13 and then to 9 on PostgreSQL: the session and the user (2); the
# slot with what desk_gate asks and the student the code names, with their college and active
# capture (1: selectors.desk_swipe_slot); the capture, sent with `SET LOCAL lock_timeout` in
# its round trip (1: core.locking.lock_waits_bound_sql, the bound on how long a swipe waits
# behind another write); the fee account's upsert (1: FeeAccount.charge_if_uncharged); the
# 拍摄号 counter's upsert (1); then the rows nothing reads back, in one round trip (1:
# core.rows.RowBatch: the charge's entry, the verification clock, the number, the audit event
# and the desk's nonce row). No counts: desk.js fetches them after the answer. Django's log
# also holds the transaction's BEGIN and COMMIT: 9. SQLite takes the batch's five rows one by one.
SWIPE_BUDGET = 9 if connection.vendor == "postgresql" else 13
# A wrong-slot swipe also reads the slot the answer names (the desk's read leaves it out).
WRONG_SLOT_BUDGET = SWIPE_BUDGET + 1
# A repeat: the session, the user, the desk's read, the number taken at check-in (shown again),
# the nonce row; BEGIN and COMMIT.
REPEAT_BUDGET = 7
# Not found: the same without the number.
NOT_FOUND_BUDGET = 6


def send(client, slot, code, nonce=None):
    data = {"code": code, "nonce": str(nonce or uuid.uuid4())}
    return client.post(reverse("capture_day:desk_swipe", args=[slot.pk]), data, HTTP_ACCEPT="application/json")


@pytest.fixture
def desk(client, world):  # noqa: F811
    client.force_login(world.operator)
    client.get(reverse("capture_day:desk", args=[world.slot_econ.pk]))
    # A running server has looked these up once and keeps them (the audit trail names the capture's type).
    ContentType.objects.get_for_models(Capture, Student)
    return client


def test_a_first_swipe_with_its_charge_clock_and_number_is_at_most_9_queries(
    desk,
    world,  # noqa: F811
    django_assert_max_num_queries,
):
    with django_assert_max_num_queries(SWIPE_BUDGET):
        body = send(desk, world.slot_econ, world.econ_student.id_number).json()
    assert body["outcome"] == "captured" and body["shot"]["number"] == 1
    capture = Capture.objects.get(student=world.econ_student)
    # Everything a capture sets off happened in those queries.
    assert Entry.objects.filter(account__student=world.econ_student, kind="charge").count() == 1
    assert VerificationRecord.objects.get(student=world.econ_student, is_active=True).capture == capture
    assert DeskSwipe.objects.get().capture == capture
    assert Shot.objects.get(capture=capture).number == 1
    with django_assert_max_num_queries(SWIPE_BUDGET):
        body = send(desk, world.slot_econ, world.econ_student2.student_no).json()
    assert body["outcome"] == "captured"
    with django_assert_max_num_queries(WRONG_SLOT_BUDGET):
        body = send(desk, world.slot_econ, world.cs_student.id_number).json()
    assert body["outcome"] == "wrong_slot" and "金石滩第一组" in body["expected_slot"]


def test_repeat_stranger_and_resend_stay_within_the_budget(desk, world, django_assert_max_num_queries):  # noqa: F811
    nonce = uuid.uuid4()
    send(desk, world.slot_econ, world.econ_student.id_number, nonce)
    with django_assert_max_num_queries(REPEAT_BUDGET):
        assert send(desk, world.slot_econ, world.econ_student.id_number).json()["outcome"] == "already_captured"
    stranger = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    with django_assert_max_num_queries(NOT_FOUND_BUDGET):
        assert send(desk, world.slot_econ, stranger).json()["outcome"] == "not_found"
    with django_assert_max_num_queries(SWIPE_BUDGET):
        assert send(desk, world.slot_econ, world.econ_student.id_number, nonce).json()["outcome"] == "captured"
    assert Capture.objects.count() == 1


def test_the_count_does_not_grow_with_the_roster(desk, world, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(SWIPE_BUDGET) as few:
        send(desk, world.slot_econ, world.econ_student.id_number)
    baseline = len(few)  # now: the next request clears the connection's query log
    # Only the added students: econ_student2's swipe below must be its first (see test_desk).
    for student in add_students(world.campaign, world.econ, 60)[:35]:
        send(desk, world.slot_econ, student.student_no)
    with django_assert_max_num_queries(baseline):
        assert send(desk, world.slot_econ, world.econ_student2.id_number).json()["outcome"] == "captured"
