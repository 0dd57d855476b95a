import pytest

from sessions_app.models import Level, SlotStatus
from sessions_app.services import override_student_slot, refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_campus, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice_schedule():
    """The notice's tricky rows: 机电 students of 双D港 go to 金石滩, graduates split by campus."""
    campaign = make_campaign()
    jst, kfq, sdg = make_campus("金石滩校区"), make_campus("开发区校区"), make_campus("双D港校区")
    jidian, lixue, jianzhu = make_college("机电工程学院"), make_college("理学院"), make_college("建筑学院")
    jst_slot = make_slot(campaign, group="金石滩第一组", start="11:00", end="12:00", campus=jst)
    make_audience(jst_slot, college=lixue)
    make_audience(jst_slot, college=jidian, campus=sdg)
    kfq_slot = make_slot(campaign, group="开发区第二组", start="09:00", end="10:30", campus=kfq)
    make_audience(kfq_slot, college=jidian)
    arch_slot = make_slot(campaign, group="金石滩第二组", start="10:50", end="12:00", campus=jst)
    make_audience(arch_slot, college=jianzhu)
    make_audience(arch_slot, campus=jst, level=Level.GRADUATE, sequence=1)
    return (
        campaign,
        {"jst": jst, "kfq": kfq, "sdg": sdg},
        {"jidian": jidian, "lixue": lixue, "jianzhu": jianzhu},
        {
            "jst": jst_slot,
            "kfq": kfq_slot,
            "arch": arch_slot,
        },
    )


def test_narrowed_audience_takes_its_students_from_the_plain_college(notice_schedule):
    campaign, campuses, colleges, slots = notice_schedule
    on_sdg = make_student(campaign, colleges["jidian"], campus=campuses["sdg"])
    at_kfq = make_student(campaign, colleges["jidian"], campus=campuses["kfq"])

    summary = refresh_slot_assignments(campaign=campaign)

    on_sdg.refresh_from_db()
    at_kfq.refresh_from_db()
    assert on_sdg.assigned_slot == slots["jst"]
    assert at_kfq.assigned_slot == slots["kfq"]
    assert summary.matched == 2 and summary.unmatched == 0


def test_graduate_students_follow_their_campus_audience(notice_schedule):
    campaign, campuses, colleges, slots = notice_schedule
    grad = make_student(campaign, colleges["lixue"], campus=campuses["jst"], level=Level.GRADUATE)
    refresh_slot_assignments(campaign=campaign)
    grad.refresh_from_db()
    assert grad.assigned_slot == slots["arch"]


def test_student_matched_by_no_slot_is_reported_not_dropped(notice_schedule):
    campaign, campuses, _colleges, _slots = notice_schedule
    stray = make_student(campaign, make_college("设计学院"), campus=campuses["kfq"])
    summary = refresh_slot_assignments(campaign=campaign)
    stray.refresh_from_db()
    assert stray.assigned_slot is None
    assert stray.slot_status == SlotStatus.UNMATCHED
    assert summary.unmatched == 1


def test_two_equally_specific_slots_are_reported_as_ambiguous(notice_schedule):
    campaign, campuses, colleges, _slots = notice_schedule
    extra = make_slot(campaign, group="开发区第一组", start="08:10", end="09:10", campus=campuses["kfq"])
    make_audience(extra, college=colleges["lixue"])
    student = make_student(campaign, colleges["lixue"], campus=campuses["jst"])
    summary = refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    assert student.slot_status == SlotStatus.AMBIGUOUS
    assert student.assigned_slot is None
    assert summary.ambiguous == 1


def test_override_wins_over_rules_survives_refresh_and_is_audited(notice_schedule):
    from accounts.models import AuditEvent

    campaign, campuses, colleges, slots = notice_schedule
    student = make_student(campaign, colleges["jidian"], campus=campuses["kfq"])
    staff = make_user("staff")
    refresh_slot_assignments(campaign=campaign)

    override_student_slot(student=student, slot=slots["arch"], actor=staff, reason="实习提前返校")
    refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    assert student.assigned_slot == slots["arch"]
    assert student.slot_status == SlotStatus.OVERRIDDEN
    assert student.derived_slot == slots["kfq"]
    event = AuditEvent.objects.get(action="slot.override")
    assert event.actor == staff and event.data["reason"] == "实习提前返校"

    override_student_slot(student=student, slot=None, actor=staff)
    student.refresh_from_db()
    assert student.assigned_slot == slots["kfq"]
    assert student.slot_status == SlotStatus.MATCHED


def test_refresh_query_count_does_not_grow_with_students(notice_schedule, django_assert_max_num_queries):
    campaign, campuses, colleges, _slots = notice_schedule
    for _ in range(5):
        make_student(campaign, colleges["jidian"], campus=campuses["kfq"])
    with django_assert_max_num_queries(20):
        refresh_slot_assignments(campaign=campaign)
    for _ in range(60):
        make_student(campaign, colleges["jidian"], campus=campuses["kfq"])
    with django_assert_max_num_queries(20):
        refresh_slot_assignments(campaign=campaign)


def test_schedule_edit_moves_students_and_an_unchanged_refresh_writes_nothing(notice_schedule):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign, campuses, colleges, slots = notice_schedule
    student = make_student(campaign, colleges["lixue"], campus=campuses["jst"])
    refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    assert student.assigned_slot == slots["jst"]

    before = student.updated_at
    with CaptureQueriesContext(connection) as unchanged:
        refresh_slot_assignments(campaign=campaign)
    updates = [q["sql"] for q in unchanged.captured_queries if q["sql"].startswith("UPDATE")]
    assert all("NOT" in sql for sql in updates)  # each UPDATE skips rows that already agree

    slots["jst"].audiences.filter(college=colleges["lixue"]).update(slot=slots["kfq"])
    refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    assert student.assigned_slot == slots["kfq"]
    assert student.updated_at == before
