"""A small capture day shared by the desk, view and export tests (fixtures only, no tests).

Two groups: 金石滩第一组 runs 经济管理学院 (08:30) and 计算机学院 (09:50); 金石滩第二组
runs 土木学院. The operator runs the first group only.
"""

import datetime
from dataclasses import dataclass

import pytest

from accounts.models import Role
from sessions_app.idcard import make_id_number
from sessions_app.models import Campaign, College, Slot, Student
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user


def id_with_x_check() -> str:
    """A valid number whose check character is X, to test the lowercase x a reader may type."""
    for sequence in range(1000):
        number = make_id_number(area="210202", birth=datetime.date(1999, 5, 5), sequence=sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character found")


@dataclass
class World:
    campaign: Campaign
    econ: College
    cs: College
    civil: College
    slot_econ: Slot
    slot_cs: Slot
    slot_civil: Slot
    econ_student: Student
    econ_student2: Student
    x_student: Student
    cs_student: Student
    civil_student: Student
    staff: object
    operator: object
    other_operator: object
    coordinator: object
    cs_coordinator: object
    counselor: object
    student_user: object


@pytest.fixture
def world(db, settings) -> World:
    # Seven users per test: the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    campaign = make_campaign(
        code="c2021",
        contact_name="于老师",
        contact_phone="87188626",
        what_to_bring="二代身份证",
        identification_methods=["id_card", "student_no", "collection_code"],
    )
    econ, cs, civil = make_college("经济管理学院"), make_college("计算机学院"), make_college("土木学院")
    slot_econ = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    slot_cs = make_slot(campaign, group="金石滩第一组", start="09:50", end="11:00")
    slot_civil = make_slot(campaign, group="金石滩第二组", start="09:50", end="10:50")
    make_audience(slot_econ, college=econ)
    make_audience(slot_cs, college=cs)
    make_audience(slot_civil, college=civil)

    counselor = make_user(Role.COUNSELOR, display_name="辅导员甲")
    student_user = make_user(Role.STUDENT)
    econ_student = make_student(
        campaign, econ, name="张三", class_name="经管1701", counselor=counselor, user=student_user
    )
    econ_student2 = make_student(campaign, econ, name="李四", class_name="经管1702")
    x_student = make_student(
        campaign, econ, name="王五", class_name="经管1702", id_number=id_with_x_check(), collection_code="QR2021ABC"
    )
    cs_student = make_student(campaign, cs, name="赵六", class_name="计算机1701")
    civil_student = make_student(campaign, civil, name="钱七", class_name="土木1701")
    refresh_slot_assignments(campaign=campaign)

    operator = make_user(Role.OPERATOR, display_name="一组操作员")
    operator.capture_groups.add(slot_econ.group)
    other_operator = make_user(Role.OPERATOR, display_name="二组操作员")
    other_operator.capture_groups.add(slot_civil.group)
    coordinator = make_user(Role.COORDINATOR, display_name="经管老师")
    coordinator.colleges.add(econ)
    cs_coordinator = make_user(Role.COORDINATOR, display_name="计算机老师")
    cs_coordinator.colleges.add(cs)
    return World(
        campaign=campaign,
        econ=econ,
        cs=cs,
        civil=civil,
        slot_econ=slot_econ,
        slot_cs=slot_cs,
        slot_civil=slot_civil,
        econ_student=Student.objects.get(pk=econ_student.pk),
        econ_student2=Student.objects.get(pk=econ_student2.pk),
        x_student=Student.objects.get(pk=x_student.pk),
        cs_student=Student.objects.get(pk=cs_student.pk),
        civil_student=Student.objects.get(pk=civil_student.pk),
        staff=make_user(Role.STAFF, display_name="教务处老师"),
        operator=operator,
        other_operator=other_operator,
        coordinator=coordinator,
        cs_coordinator=cs_coordinator,
        counselor=counselor,
        student_user=student_user,
    )


def add_students(campaign: Campaign, college: College, n: int) -> list[Student]:
    """n more students of a college, placed by the rules (for query-count tests)."""
    added = [make_student(campaign, college, class_name=f"扩招{i % 3}") for i in range(n)]
    refresh_slot_assignments(campaign=campaign)
    return added
