"""python manage.py import_roster PATH --campaign CODE [--dry-run]"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from sessions_app.models import Student
from tests.roster_world import build_world, student_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def import_roster(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_bad_rows_are_listed_one_per_line_and_the_command_exits_1(world, tmp_path):
    rows = [student_row(1), student_row(2, 身份证号="110105194912310021"), student_row(3, 学院="机电工程学员")]
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_roster", str(path), "--campaign", "r2021", stderr=err)
    assert exc.value.returncode == 1
    assert "2 处错误，未写入任何数据" in str(exc.value)
    assert err.getvalue().splitlines() == [
        "第 3 行，身份证号 列：身份证号校验位错误：最后一位应为 X，这里是 1，请核对是否录错",
        "第 4 行，学院 列：学院“机电工程学员”不在系统中，是不是“机电工程学院”？"
        "请核对学院名称，或由教务处在管理后台给该学院添加别名",
    ]
    assert Student.objects.count() == 0


def test_import_then_reimport_prints_counts(world, tmp_path):
    out, _err = import_roster(write_xlsx(tmp_path / "a.xlsx", [student_row(1), student_row(2)]), "--campaign", "r2021")
    assert "已导入：新增 2 人，更新 0 人，未变 0 人，共 2 行" in out
    rows = [student_row(1, 手机号="13900000000"), student_row(2), student_row(3)]
    out, _err = import_roster(write_xlsx(tmp_path / "b.xlsx", rows), "--campaign", "r2021")
    assert "已导入：新增 1 人，更新 1 人，未变 1 人，共 3 行" in out
    assert Student.objects.count() == 3
    event = AuditEvent.objects.filter(action="roster.import").first()
    assert event.actor is None and "b.xlsx" in event.summary


def test_dry_run_prints_what_would_happen_and_writes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [student_row(1), student_row(2)])
    out, _err = import_roster(path, "--campaign", "r2021", "--dry-run")
    assert "试运行（未写入）：将新增 2 人，更新 0 人，未变 0 人" in out
    assert Student.objects.count() == 0
    assert not AuditEvent.objects.filter(action="roster.import").exists()


def test_warnings_go_to_stderr_without_failing(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [student_row(1), student_row(1)])
    out, err = import_roster(path, "--campaign", "r2021")
    assert "提示：第 3 行：与第 2 行完全相同，只导入一次" in err
    assert "新增 1 人" in out


def test_unknown_campaign_lists_the_known_codes(world, tmp_path):
    with pytest.raises(CommandError, match="没有代码为 nope 的采集批次；已有：r2021"):
        import_roster(write_xlsx(tmp_path / "a.xlsx", [student_row(1)]), "--campaign", "nope")


def test_missing_file_and_a_csv_named_xlsx(world, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        import_roster(tmp_path / "nope.xlsx", "--campaign", "r2021")
    text = tmp_path / "roster.xlsx"
    text.write_text("学号,姓名\n2017000001,王伟\n", encoding="utf-8")
    # Read as the CSV it is; what is missing is then named.
    with pytest.raises(CommandError, match="名单有 1 处错误"):
        import_roster(text, "--campaign", "r2021")


def test_by_names_the_actor_in_the_audit_trail(world, tmp_path):
    from tests.factories import make_user

    staff = make_user("staff", username="jwc_import")
    import_roster(write_xlsx(tmp_path / "a.xlsx", [student_row(1)]), "--campaign", "r2021", "--by", "jwc_import")
    assert AuditEvent.objects.get(action="roster.import").actor == staff
    with pytest.raises(CommandError, match="没有用户名为 nobody 的账号"):
        import_roster(write_xlsx(tmp_path / "b.xlsx", [student_row(2)]), "--campaign", "r2021", "--by", "nobody")
    assert Student.objects.count() == 1
