"""What the registrar is told about a bad roster: headers, ID numbers, duplicates, names."""

import pytest

from sessions_app.models import Level, Student
from sessions_app.roster.services import import_roster
from tests.roster_world import HEADER, build_world, id_for, student_row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def check(world, tmp_path, rows, header=None, before=()):
    path = write_xlsx(tmp_path / "roster.xlsx", rows, header=header, before=before)
    return import_roster(campaign=world.campaign, source=path, actor=world.staff, dry_run=True)


def messages(report) -> list[str]:
    return [str(e) for e in report.errors]


# --- headers ---------------------------------------------------------------


def test_header_variants_are_recognised(world, tmp_path):
    header = ["学生编号", "姓名", "证件号码", "院系", "培养层次", "行政班", "所在校区", "联系电话", "辅导员工号"]
    row = ["2017000001", "王伟", id_for(1), "机电学院", "硕士研究生", "机械1701", "双D港", "13800000001", "fdy001"]
    report = import_roster(
        campaign=world.campaign, source=write_xlsx(tmp_path / "v.xlsx", [row], header=header), actor=world.staff
    )
    assert report.errors == []
    student = Student.objects.get(student_no="2017000001")
    assert student.college == world.mech
    assert student.level == Level.GRADUATE
    assert student.campus == world.jst
    assert student.class_name == "机械1701"
    assert student.phone == "13800000001"
    assert student.counselor == world.counselor


@pytest.mark.parametrize(
    "title", ["身份证号码", "公民身份号码", " 身份证号 ", "身份证号*", "身份证号（必填）", "证件号码"]
)
def test_id_column_spellings(world, tmp_path, title):
    header = ["学号", "姓名", title, "学院"]
    report = check(world, tmp_path, [["2017000001", "王伟", id_for(1), "机电工程学院"]], header=header)
    assert report.errors == [] and report.created == 1


def test_missing_required_column_lists_the_expected_headers(world, tmp_path):
    header = ["学号", "姓名", "学院", "专业"]
    report = check(world, tmp_path, [["2017000001", "王伟", "机电工程学院", "机械"]], header=header)
    [message] = messages(report)
    assert message.startswith("工作表“Sheet”第 1 行的表头缺少：身份证号。")
    assert "表头是：学号、姓名、学院、专业" in message
    assert "必需的列：学号（学生编号/学生学号/学籍号）、姓名（学生姓名）" in message
    assert "身份证号（身份证号码/证件号码/证件号）" in message
    assert "可选的列：性别（性别码）、专业（专业名称）" in message
    assert report.created == 0


def test_no_header_at_all(world, tmp_path):
    report = check(world, tmp_path, [["a", "b"]], header=["甲", "乙", "丙"])
    [message] = messages(report)
    assert "没有找到表头" in message and "第 1 行是：甲、乙、丙" in message and "必需的列：学号" in message


def test_title_rows_above_the_header_are_skipped_and_rows_numbered_as_in_excel(world, tmp_path):
    rows = [student_row(1), student_row(2, 身份证号="110105194912310021")]
    report = check(world, tmp_path, rows, before=[["2021届本科毕业生名单"], []])
    assert messages(report) == ["第 5 行，身份证号 列：身份证号校验位错误：最后一位应为 X，这里是 1，请核对是否录错"]


def test_unknown_extra_columns_are_ignored_with_a_notice(world, tmp_path):
    header = [*HEADER, "政治面貌", "备注"]
    report = check(world, tmp_path, [{**student_row(1), "政治面貌": "团员", "备注": "x"}], header=header)
    assert report.errors == []
    assert report.created == 1
    assert any("已忽略：政治面貌、备注" in str(w) for w in report.warnings)


def test_two_columns_meaning_the_same_field(world, tmp_path):
    header = ["学号", "学生编号", "姓名", "身份证号", "学院"]
    report = check(world, tmp_path, [["1", "1", "王伟", id_for(1), "机电工程学院"]], header=header)
    assert messages(report) == ["第 1 行，学生编号 列：与“学号”列都表示学号，无法确定用哪一列：请删除其中一列"]


# --- ID numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("21020219990101123", "身份证号应为 18 位，这里是 17 位"),
        ("210202199902301230", "身份证号中的出生日期 19990230 不存在"),
        ("110105194912310021", "身份证号校验位错误：最后一位应为 X，这里是 1，请核对是否录错"),
        ("", "身份证号为空"),
    ],
)
def test_each_id_failure_has_its_own_reason(world, tmp_path, cell, expected):
    report = check(world, tmp_path, [student_row(1, 身份证号=cell)])
    assert messages(report) == [f"第 2 行，身份证号 列：{expected}"]


def test_lowercase_x_full_width_digits_and_spaces_are_accepted(world, tmp_path):
    full_width = "１１０１０５ １９４９ １２３１ ００２ｘ"
    report = import_roster(
        campaign=world.campaign,
        source=write_xlsx(tmp_path / "r.xlsx", [student_row(1, 身份证号=full_width, 性别="")]),
        actor=world.staff,
    )
    assert report.errors == []
    student = Student.objects.get()
    assert student.id_number == "11010519491231002X"
    assert student.gender == "女"  # derived from the sequence digit when the cell is empty


def test_id_number_in_a_numeric_cell_is_rejected_with_an_explanation(world, tmp_path):
    report = check(world, tmp_path, [student_row(1, 身份证号=2.10202199901011e17)])
    [message] = messages(report)
    assert message.startswith("第 2 行，身份证号 列：身份证号存成了数字格式")
    assert "2.10202199901011E+17" in message and "设为文本格式" in message


# --- other columns -----------------------------------------------------------


def test_unknown_college_suggests_the_closest_name(world, tmp_path):
    report = check(world, tmp_path, [student_row(1, 学院="机电工程学员")])
    [message] = messages(report)
    assert message.startswith("第 2 行，学院 列：学院“机电工程学员”不在系统中，是不是“机电工程学院”？")


def test_college_aliases_and_full_width_spelling(world, tmp_path):
    report = check(world, tmp_path, [student_row(1, 学院="机电学院"), student_row(2, 学院="计算机科学与工程学院 ")])
    assert report.errors == [] and report.created == 2


def test_unknown_campus_is_an_error_and_a_counselor_without_account_is_listed(world, tmp_path):
    report = check(world, tmp_path, [student_row(1, 校区="金石摊校区", 辅导员="李老帅")])
    assert messages(report) == [
        "第 2 行，校区 列：校区“金石摊校区”不在系统中，是不是“金石滩校区”？"
        "请核对校区名称，或在管理后台给该校区添加别名",
    ]
    assert report.counselors_without_account == {"李老帅": 1}
    [warning] = [w for w in report.warnings if w.code == "counselor_without_account"]
    assert "李老帅" in warning.message and "李老师（fdy001）" in warning.message


def test_level_gender_email_and_student_number_cells(world, tmp_path):
    header = [*HEADER, "邮箱"]
    rows = [
        {**student_row(1), "层次": "幼儿园"},
        {**student_row(2), "性别": "M?"},
        {**student_row(3), "邮箱": "not-an-email"},
        {**student_row(4), "学号": 2017000004.5},
        {**student_row(5), "学号": "", "姓名": ""},
    ]
    assert messages(check(world, tmp_path, rows, header=header)) == [
        "第 2 行，层次 列：层次“幼儿园”无法识别：请填写“本科”“专科”或“研究生”（也可写硕士、博士、高职、大专）",
        "第 3 行，性别 列：性别“M?”无法识别：请填写“男”“女”（或 1、2，M、F），或留空（按身份证号判断）",
        "第 4 行，邮箱 列：邮箱“not-an-email”格式不正确",
        "第 5 行，学号 列：学号是带小数的数字（2017000004.5）：请把学号列设为文本格式后重新填写",
        "第 6 行，学号 列：学号为空",
        "第 6 行，姓名 列：姓名为空",
    ]


def test_numeric_student_numbers_lose_their_dot_zero(world, tmp_path):
    import_roster(
        campaign=world.campaign,
        source=write_xlsx(tmp_path / "r.xlsx", [student_row(1, 学号=2017000001), student_row(2, 学号=2017000002.0)]),
        actor=world.staff,
    )
    assert sorted(Student.objects.values_list("student_no", flat=True)) == ["2017000001", "2017000002"]


def test_gender_that_contradicts_the_id_number_is_a_warning(world, tmp_path):
    report = check(world, tmp_path, [student_row(1, 性别="女")])  # id_for() gives odd sequences: male
    assert report.errors == []
    assert any("第 2 行，性别 列：填的是“女”，但身份证号表示“男”" in str(w) for w in report.warnings)


def test_blank_rows_are_skipped(world, tmp_path):
    report = check(world, tmp_path, [student_row(1), [None] * len(HEADER), ["  "], student_row(2)])
    assert report.errors == [] and report.created == 2 and report.rows == 2


# --- duplicates in the file ---------------------------------------------------


def test_same_student_number_twice_names_the_first_row(world, tmp_path):
    rows = [student_row(1), student_row(2), student_row(3, 学号=student_row(1)["学号"])]
    assert messages(check(world, tmp_path, rows)) == [
        "第 4 行，学号 列：学号 2017000001 与第 2 行重复，但两行内容不同：请删除或改正其中一行"
    ]


def test_same_id_number_under_two_student_numbers(world, tmp_path):
    rows = [student_row(1), student_row(2, 身份证号=id_for(1))]
    assert messages(check(world, tmp_path, rows)) == [
        "第 3 行，身份证号 列：身份证号与第 2 行（学号 2017000001）重复：同一个人不能有两个学号"
    ]


def test_identical_duplicate_rows_are_imported_once_with_a_notice(world, tmp_path):
    rows = [student_row(1), student_row(2), student_row(1)]
    report = import_roster(campaign=world.campaign, source=write_xlsx(tmp_path / "r.xlsx", rows), actor=world.staff)
    assert report.errors == []
    assert report.created == 2
    assert Student.objects.count() == 2
    assert "第 4 行：与第 2 行完全相同，只导入一次" in [str(w) for w in report.warnings]


def test_duplicates_that_differ_only_in_spacing_are_identical_too(world, tmp_path):
    rows = [student_row(1), student_row(1, 姓名=" 学生1 ", 身份证号=" " + id_for(1).lower())]
    report = check(world, tmp_path, rows)
    assert report.errors == [] and report.created == 1


def test_two_counselors_with_one_name_need_the_staff_number(world, tmp_path):
    from accounts.models import Role
    from tests.factories import make_user

    make_user(Role.COUNSELOR, username="fdy002", display_name="李老师")
    report = check(world, tmp_path, [student_row(1, 辅导员="李老师"), student_row(2, 辅导员="fdy002")])
    assert messages(report) == [
        "第 2 行，辅导员 列：“李老师”同时对应 “李老师（fdy001）”、“李老师（fdy002）”，"
        "无法确定是哪一个：请改填辅导员工号（登录用户名）"
    ]


def test_odd_cell_types_get_messages_not_crashes(world, tmp_path):
    import datetime

    rows = [
        student_row(1, 身份证号=datetime.datetime(1999, 1, 1)),
        student_row(2, 姓名="长" * 65),
        student_row(3, 学号=True, 学院=12345),
        student_row(4, 学号="=A1", 班级=datetime.datetime(2017, 9, 1), 手机号=13800000004.0),
    ]
    report = check(world, tmp_path, rows)
    assert messages(report) == [
        "第 2 行，身份证号 列：身份证号单元格是日期格式，内容已被 Excel 改变：请把该列设为文本格式后重新填写",
        "第 3 行，姓名 列：姓名 最长 64 个字符，这里有 65 个",
        "第 4 行，学院 列：学院“12345”不在系统中。请核对学院名称，或由教务处在管理后台给该学院添加别名",
        # A formula openpyxl wrote has no computed value, so the cell reads as empty.
        "第 5 行，学号 列：学号为空",
    ]
