"""Writing a roster: all or nothing, updates by student number, slots, audit, query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from sessions_app.collection_codes import code_hash
from sessions_app.models import Level, SlotStatus, Student
from sessions_app.roster.services import import_roster
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_slot, make_student
from tests.roster_world import HEADER, build_world, id_for, student_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def run(world, tmp_path, rows, *, header=None, name="roster.xlsx", dry_run=False, campaign=None):
    path = write_xlsx(tmp_path / name, rows, header=header)
    return import_roster(
        campaign=campaign or world.campaign, source=path, actor=world.staff, dry_run=dry_run, filename=name
    )


def test_one_bad_row_means_nothing_is_written(world, tmp_path):
    rows = [student_row(n) for n in range(1, 6)] + [student_row(6, 学院="不存在学院")]
    report = run(world, tmp_path, rows)
    assert not report.ok
    assert not report.written
    assert Student.objects.count() == 0
    assert not AuditEvent.objects.filter(action="roster.import").exists()


def test_a_good_roster_is_written_with_every_column(world, tmp_path):
    report = run(world, tmp_path, [student_row(1, 辅导员="李老师", 校区="金石滩")])
    assert report.ok and report.written and report.created == 1
    student = Student.objects.get()
    assert (student.student_no, student.name, student.gender, student.id_number) == (
        "2017000001",
        "学生1",
        "男",
        id_for(1),
    )
    assert (student.college, student.campus, student.counselor) == (world.mech, world.jst, world.counselor)
    assert (student.major, student.class_name, student.level, student.phone) == (
        "机械工程",
        "机械1701",
        Level.UNDERGRADUATE,
        "13800000001",
    )
    assert student.campaign == world.campaign


def test_reimport_updates_by_student_number_and_counts(world, tmp_path):
    run(world, tmp_path, [student_row(1), student_row(2), student_row(3)], name="v1.xlsx")
    first_ids = dict(Student.objects.values_list("student_no", "pk"))

    rows = [student_row(1, 姓名="王改名"), student_row(2), student_row(3), student_row(4)]
    report = run(world, tmp_path, rows, name="v2.xlsx")

    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    assert Student.objects.count() == 4
    assert Student.objects.get(student_no="2017000001").name == "王改名"
    # Same rows, not new ones: whatever hangs off a student (captures, fees) stays attached.
    assert {no: pk for no, pk in Student.objects.values_list("student_no", "pk") if no in first_ids} == first_ids
    [update] = [row for row in report.preview if row.action == "update"]
    assert [(c.label, c.old, c.new) for c in update.changes] == [("姓名", "学生1", "王改名")]


def test_students_missing_from_the_file_are_kept_and_counted(world, tmp_path):
    run(world, tmp_path, [student_row(1), student_row(2)], name="v1.xlsx")
    report = run(world, tmp_path, [student_row(1)], name="v2.xlsx")
    assert (report.created, report.updated, report.unchanged, report.not_in_file) == (0, 0, 1, 1)
    assert Student.objects.count() == 2
    assert any("1 名学生不在这份名单中" in str(w) for w in report.warnings)


def test_a_column_absent_from_the_file_leaves_that_field_alone(world, tmp_path):
    run(world, tmp_path, [student_row(1)], name="v1.xlsx")
    header = [h for h in HEADER if h != "手机号"]
    report = run(world, tmp_path, [student_row(1)], header=header, name="v2.xlsx")
    assert report.unchanged == 1
    assert Student.objects.get().phone == "13800000001"


def test_id_number_of_another_student_in_the_database_is_refused(world, tmp_path):
    other = make_student(world.campaign, world.mech, student_no="2016999999", id_number=id_for(7))
    report = run(world, tmp_path, [student_row(1), student_row(2, 身份证号=id_for(7))])
    assert [str(e) for e in report.errors] == [
        "第 3 行，身份证号 列：该身份证号已属于本批次中学号为 2016999999 的学生："
        "同一个人不能有两个学号，请核对学号或身份证号"
    ]
    assert list(Student.objects.values_list("pk", flat=True)) == [other.pk]


def test_the_same_person_in_another_campaign_is_no_conflict(world, tmp_path):
    make_student(make_campaign(), world.mech, student_no="2016999999", id_number=id_for(1))
    report = run(world, tmp_path, [student_row(1)])
    assert report.ok and report.created == 1


def test_collection_codes_must_be_unique(world, tmp_path):
    make_student(world.campaign, world.mech, student_no="2016999999", collection_code="CODE-9")
    header = [*HEADER, "学信网采集码"]
    rows = [
        {**student_row(1), "学信网采集码": "CODE-1"},
        {**student_row(2), "学信网采集码": "CODE-1"},
        {**student_row(3), "学信网采集码": "CODE-9"},
        {**student_row(4), "学信网采集码": ""},
    ]
    assert [str(e) for e in run(world, tmp_path, rows, header=header).errors] == [
        "第 3 行，学信网采集码 列：采集码与第 2 行（学号 2017000001）重复",
        "第 4 行，学信网采集码 列：该采集码已属于本批次中学号为 2016999999 的学生",
    ]


def test_an_imported_collection_code_is_stored_as_its_keyed_hash_only(world, tmp_path):
    header = [*HEADER, "学信网采集码"]
    report = run(world, tmp_path, [{**student_row(1), "学信网采集码": " QRcase-Kept\n"}], header=header)
    assert report.ok and report.created == 1
    student = Student.objects.get(student_no="2017000001")
    # Normalised as the desk does (whitespace gone, case kept), then hashed; never the text.
    assert student.collection_code_hash == code_hash("QRcase-Kept") != code_hash("QRCASE-KEPT")
    assert "QRcase" not in str(list(Student.objects.values_list()))
    again = run(world, tmp_path, [{**student_row(1), "学信网采集码": "QRcase-Kept"}], header=header, name="v2.xlsx")
    assert again.ok and again.unchanged == 1


def test_dry_run_reports_counts_and_writes_nothing(world, tmp_path):
    run(world, tmp_path, [student_row(1)], name="v1.xlsx")
    report = run(world, tmp_path, [student_row(1, 班级="机械1702"), student_row(2)], name="v2.xlsx", dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert not report.written
    assert Student.objects.count() == 1
    assert Student.objects.get().class_name == "机械1701"
    assert AuditEvent.objects.filter(action="roster.import").count() == 1


def test_every_import_is_audited_with_its_counts(world, tmp_path):
    run(world, tmp_path, [student_row(1), student_row(2)], name="名单.xlsx")
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor == world.staff
    assert event.campaign == world.campaign
    assert event.summary == "导入名单“名单.xlsx”：新增 2 人，更新 0 人，未变 0 人（共 2 行）"
    assert event.data["created"] == 2 and event.data["file"] == "名单.xlsx"
    assert id_for(1) not in str(event.data) + event.summary


def test_slots_are_assigned_after_the_import(world, tmp_path):
    plain = make_slot(world.campaign, group="开发区第二组", start="09:00", end="10:30", campus=world.kfq)
    make_audience(plain, college=world.mech)
    shuangd = make_slot(world.campaign, group="金石滩第一组", start="11:00", end="12:00", campus=world.jst)
    make_audience(shuangd, college=world.mech, campus=world.jst)

    run(
        world,
        tmp_path,
        [student_row(1, 校区="开发区校区"), student_row(2, 校区="双D港"), student_row(3, 学院="计算机科学与工程学院")],
    )

    slots = {s.student_no: (s.assigned_slot_id, s.slot_status) for s in Student.objects.all()}
    assert slots == {
        "2017000001": (plain.pk, SlotStatus.MATCHED),
        "2017000002": (shuangd.pk, SlotStatus.MATCHED),
        "2017000003": (None, SlotStatus.UNMATCHED),
    }
    # The import writes new students with their slot: the campaign-wide refresh has nothing to change.
    refresh_slot_assignments(campaign=world.campaign)
    assert {s.student_no: (s.assigned_slot_id, s.slot_status) for s in Student.objects.all()} == slots


def test_moving_campus_on_reimport_moves_the_slot(world, tmp_path):
    plain = make_slot(world.campaign, group="开发区第二组", start="09:00", end="10:30", campus=world.kfq)
    make_audience(plain, college=world.mech)
    shuangd = make_slot(world.campaign, group="金石滩第一组", start="11:00", end="12:00", campus=world.jst)
    make_audience(shuangd, college=world.mech, campus=world.jst)
    run(world, tmp_path, [student_row(1, 校区="开发区校区")], name="v1.xlsx")
    run(world, tmp_path, [student_row(1, 校区="金石滩校区")], name="v2.xlsx")
    assert Student.objects.get().assigned_slot_id == shuangd.pk


def test_graduate_campaign_without_level_column(world, tmp_path):
    campaign = make_campaign(level=Level.GRADUATE)
    header = [h for h in HEADER if h != "层次"]
    run(world, tmp_path, [student_row(1)], header=header, campaign=campaign)
    assert Student.objects.get().level == Level.GRADUATE


def _queries(world, tmp_path, rows, name):
    path = write_xlsx(tmp_path / name, rows)
    with CaptureQueriesContext(connection) as ctx:
        report = import_roster(campaign=world.campaign, source=path, actor=world.staff)
    assert report.ok
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(world, tmp_path, on_postgres):
    small = _queries(world, tmp_path, [student_row(n) for n in range(50)], "small.xlsx")
    Student.objects.all().delete()
    large = _queries(world, tmp_path, [student_row(n) for n in range(500)], "large.xlsx")
    # Changing every row goes through the update path.
    changed = _queries(world, tmp_path, [student_row(n, 专业="车辆工程") for n in range(500)], "changed.xlsx")
    if on_postgres:
        # New students go in by COPY (not a captured query), changed ones by one UPDATE per 1,000.
        assert large == small
        assert changed <= small + 1
    # SQLite caps a statement at 999 parameters, so big batches split; never one query per row.
    assert large - small <= 450 // 30
    assert changed - small <= 450 // 30
    assert Student.objects.filter(major="车辆工程").count() == 500


def test_a_conflicting_change_between_check_and_write_rolls_everything_back(world, tmp_path, monkeypatch):
    from sessions_app.roster import services

    original = services._compare

    def compare_then_someone_else_adds_the_student(parsed, campaign, report):
        result = original(parsed, campaign, report)
        # As if another staff member saved this student in the admin a moment earlier.
        make_student(campaign, world.mech, student_no="2017000002", id_number=id_for(99))
        return result

    monkeypatch.setattr(services, "_compare", compare_then_someone_else_adds_the_student)
    report = run(world, tmp_path, [student_row(1), student_row(2)])
    assert [str(e) for e in report.errors] == ["写入时与其他人同时进行的修改冲突，未写入任何数据：请重新导入"]
    assert not report.written
    assert Student.objects.count() == 0
    assert not AuditEvent.objects.filter(action="roster.import").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_roster_at_once_do_not_collide(tmp_path):
    import threading

    from django.db import connections

    world = build_world()
    path = write_xlsx(tmp_path / "r.xlsx", [student_row(n) for n in range(200)])
    reports, failures = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            reports.append(import_roster(campaign=world.campaign, source=path, actor=world.staff))
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted((r.created, r.unchanged) for r in reports) == [(0, 200), (200, 0)]
    assert Student.objects.count() == 200


def test_backslashes_and_quotes_survive_the_bulk_write(world, tmp_path):
    odd = "C:\\班级\\N \"引号\" '单引号' 100%"
    run(world, tmp_path, [student_row(1, 专业=odd, 姓名="王\\N")])
    student = Student.objects.get()
    assert (student.major, student.name) == (odd, "王\\N")


def test_the_copy_stream_hands_out_every_line_once_in_chunks_of_about_the_size_asked():
    from sessions_app.roster.services import _CopySource

    records = [(f"2017{n:06d}", f"学生{n}", None, "a\tb" if n == 7 else "x") for n in range(300)]
    source = _CopySource(records, "tail")
    chunks = []
    while chunk := source.read(1000):
        chunks.append(chunk)
    assert source.read(1000) == ""  # the end stays the end
    lines = "".join(chunks).split("\n")
    assert lines[-1] == "" and len(lines) == 301
    assert lines[0] == "2017000000\t学生0\t\\N\tx\ttail"
    assert lines[7] == "2017000007\t学生7\t\\N\ta\\tb\ttail"  # a tab inside a value is escaped
    # Each chunk but the last passes the size asked by less than one line.
    assert all(1000 <= len(c) < 1000 + len(lines[0]) + 10 for c in chunks[:-1])
    assert len(chunks) > 5


@pytest.mark.postgres
def test_a_roster_larger_than_one_copy_chunk_is_written_whole(world, tmp_path, monkeypatch):
    from sessions_app.roster import services

    rows = [student_row(n) for n in range(1, 401)]  # about 60 KB of COPY data: several chunks at 4 KB
    monkeypatch.setattr(services, "COPY_CHUNK", 4096)
    report = run(world, tmp_path, rows)
    assert report.written and report.created == 400
    assert sorted(Student.objects.values_list("student_no", "name")) == [(r["学号"], r["姓名"]) for r in rows]
