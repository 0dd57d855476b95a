"""The desk swipe's one read (selectors.desk_swipe_slot, raw SQL for the hot path) answers as the
ORM's reads do: the same slot, group and campaign as scope.desk_slots gives, and the same student
and method as find_student, whatever the campaign's ways of identifying and the code typed."""

import datetime

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from capture_day.selectors import _desk_read, desk_swipe_slot
from capture_day.services import check_in
from sessions_app.idcard import make_id_number
from sessions_app.models import Campaign, CaptureGroup, Slot
from sessions_app.services import find_student
from tests.desk_world import add_students
from tests.factories import CAPTURE_DAY

pytestmark = pytest.mark.django_db

METHODS = [
    ["id_card", "student_no", "collection_code"],
    ["id_card"],
    ["student_no"],
    ["collection_code"],
    ["id_card", "collection_code"],
]


def codes(world):  # noqa: F811
    x = world.x_student.id_number
    return [
        world.econ_student.id_number,
        world.econ_student2.student_no,
        world.econ_student2.student_no.lower(),
        f" {world.econ_student2.student_no} ",
        x[:-1] + "x",
        "QR2021ABC",
        " QR2021ABC ",
        "qr2021abc",  # a QR payload keeps its case: no match
        world.cs_student.id_number,  # another slot of the group
        world.civil_student.id_number,  # another group's
        make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7),  # a stranger
        "12345",
        "!!",
    ]


def same_fields(a, b) -> bool:
    return type(a) is type(b) and model_to_dict(a) == model_to_dict(b) and a.pk == b.pk


@pytest.mark.parametrize("methods", METHODS)
def test_it_names_the_student_find_student_names(world, methods):  # noqa: F811
    Campaign.objects.filter(pk=world.campaign.pk).update(identification_methods=methods)
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    # One already captured: their active capture comes with them, as find_student reads it.
    check_in(campaign=campaign, slot=world.slot_econ, identifier=world.econ_student.student_no, operator=None)
    if "student_no" not in methods:
        check_in(campaign=campaign, slot=world.slot_econ, identifier=world.econ_student.id_number, operator=None)
    for code in codes(world):
        slot = desk_swipe_slot(pk=world.slot_econ.pk, operator=world.operator, today=CAPTURE_DAY, identifier=code)
        found = vars(slot)["desk_found"]
        student, method = find_student(campaign=campaign, identifier=code)
        assert (found.method, getattr(found.student, "pk", None)) == (method, getattr(student, "pk", None)), code
        if student is not None:
            assert same_fields(found.student, student) and same_fields(found.student.college, student.college)
            mine, theirs = vars(found.student)["active_capture"], vars(student)["active_capture"]
            assert (mine is None) == (theirs is None)
            if mine is not None:
                assert (mine.pk, mine.captured_at, mine.wrong_slot, mine.slot_id) == (
                    theirs.pk,
                    theirs.captured_at,
                    theirs.wrong_slot,
                    theirs.slot_id,
                )


def test_the_slot_group_and_campaign_read_as_the_orm_reads_them(world):  # noqa: F811
    slot = desk_swipe_slot(pk=world.slot_econ.pk, operator=world.operator, today=CAPTURE_DAY, identifier="x")
    orm = Slot.objects.select_related("group__campaign").get(pk=world.slot_econ.pk)
    assert same_fields(slot, orm) and same_fields(slot.group, orm.group)
    assert same_fields(slot.group.campaign, orm.group.campaign)
    # Converted as the ORM converts: dates, times, money, JSON.
    campaign = slot.group.campaign
    assert campaign.fee_per_person == orm.group.campaign.fee_per_person and isinstance(slot.date, datetime.date)
    assert campaign.identification_methods == ["id_card", "student_no", "collection_code"]
    assert isinstance(slot.group, CaptureGroup) and vars(slot)["gate_facts"].today == CAPTURE_DAY


def test_whose_desk_follows_desk_slots(world):  # noqa: F811
    args = {"pk": world.slot_econ.pk, "today": CAPTURE_DAY, "identifier": world.econ_student.id_number}
    assert desk_swipe_slot(operator=world.operator, **args) is not None
    assert desk_swipe_slot(operator=world.staff, **args) is not None
    assert desk_swipe_slot(operator=world.other_operator, **args) is None  # another group's operator
    assert desk_swipe_slot(operator=world.coordinator, **args) is None  # no desk at all
    assert desk_swipe_slot(operator=world.operator, **{**args, "pk": 10**6}) is None


@pytest.mark.postgres
def test_each_way_of_naming_a_student_can_use_its_index_within_the_campaign(world):  # noqa: F811
    """The campaign's students are found through the three indexes (campaign + ID number, student
    number, code hash) at once, each within the campaign. With the campaign joined on its row,
    outside the OR, an arm could only scan a whole index, and PostgreSQL read every student of
    the campaign instead on every swipe."""
    add_students(world.campaign, world.econ, 300)
    read = _desk_read()
    code = world.econ_student.id_number
    params = [world.operator.pk, world.slot_econ.pk, code, code, code, "hash", world.slot_econ.pk]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sessions_app_student")
        # Whether a bitmap of the three indexes is possible at all: the other scans off.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + read.sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    lines = plan.splitlines()
    for index in ("id_number", "no", "code_hash"):
        at = next(i for i, line in enumerate(lines) if f"on student_{index}_unique_per_campaign" in line)
        # Within the campaign: not the whole index for the code, whatever the campaign.
        assert "Index Cond: ((campaign_id = " in lines[at + 1], plan
