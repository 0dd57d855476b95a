"""A swipe is a handful of queries (issue 14, item 4): the desk's answer and counts in at most 15.

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
from sessions_app.models import Capture, Student
from tests.desk_world import add_students
from verification.models import VerificationRecord

pytestmark = pytest.mark.django_db(transaction=True)
# 16: one indexed EXISTS for the desk's reach (is today one of its group's capture days).
# 18: the 拍摄号, one upsert of the group's day counter and one insert of the number.
SWIPE_BUDGET = 18
if connection.vendor == "postgresql":
    # +1 on PostgreSQL: core.locking's `SET LOCAL lock_timeout` before the swipe's row lock, the
    # bound on how long a swipe may wait behind another write (SQLite has no row locks to bound).
    SWIPE_BUDGET += 1


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


def test_a_first_swipe_with_its_charge_clock_and_counts_is_at_most_15_queries(
    desk,
    world,  # noqa: F811
    django_assert_max_num_queries,
):
    with django_assert_max_num_queries(SWIPE_BUDGET):
        body = send(desk, world.slot_econ, world.econ_student.id_number).json()
    assert body["outcome"] == "captured" and body["counts"]["captured"] == 1
    capture = Capture.objects.get(student=world.econ_student)
    # Everything a capture sets off happened in those queries.
    assert Entry.objects.filter(account__student=world.econ_student, kind="charge").count() == 1
    assert VerificationRecord.objects.get(student=world.econ_student, is_active=True).capture == capture
    assert DeskSwipe.objects.get().capture == capture
    with django_assert_max_num_queries(SWIPE_BUDGET):
        body = send(desk, world.slot_econ, world.econ_student2.student_no).json()
    assert body["outcome"] == "captured"
    with django_assert_max_num_queries(SWIPE_BUDGET):
        body = send(desk, world.slot_econ, world.cs_student.id_number).json()
    assert body["outcome"] == "wrong_slot" and body["counts"]["wrong_slot_here"] == 1


def test_repeat_stranger_and_resend_stay_within_the_budget(desk, world, django_assert_max_num_queries):  # noqa: F811
    nonce = uuid.uuid4()
    send(desk, world.slot_econ, world.econ_student.id_number, nonce)
    # 9: the desk's reach check (one EXISTS); 10: the number taken at check-in, shown again.
    with django_assert_max_num_queries(10):
        assert send(desk, world.slot_econ, world.econ_student.id_number).json()["outcome"] == "already_captured"
    stranger = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    with django_assert_max_num_queries(SWIPE_BUDGET):
        assert send(desk, world.slot_econ, stranger).json()["outcome"] == "not_found"
    with django_assert_max_num_queries(SWIPE_BUDGET):
        assert send(desk, world.slot_econ, world.econ_student.id_number, nonce).json()["outcome"] == "captured"
    assert Capture.objects.count() == 1


def test_the_count_does_not_grow_with_the_roster(desk, world, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(SWIPE_BUDGET) as few:
        send(desk, world.slot_econ, world.econ_student.id_number)
    baseline = len(few)  # now: the next request clears the connection's query log
    add_students(world.campaign, world.econ, 60)
    for student in Student.objects.filter(college=world.econ)[5:40]:
        send(desk, world.slot_econ, student.student_no)
    with django_assert_max_num_queries(baseline):
        assert send(desk, world.slot_econ, world.econ_student2.id_number).json()["outcome"] == "captured"
