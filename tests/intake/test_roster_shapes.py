"""Every shape a registrar gets, imported as a roster: the right students, every field as in the file."""

import pytest
from django.utils import translation

from sessions_app.models import Level, Student
from sessions_app.roster.services import import_roster
from tests.roster_world import id_for

from . import shapes

ROW1 = ["2017000001", "王伟", "男", id_for(1), "机电工程学院", "机械工程", "机械1701", "本科", "开发区校区"]
ROW2 = ["2017000002", "李娜", "女", id_for(2, sequence=2), "机电工程学院", "车辆工程", "车辆1702", "专科", "金石滩校区"]
FOOTER = [["制表人：张老师", None, "打印日期：2020-11-20"], ["合计：2 人"]]


def run(world, data: bytes, name: str):
    report = import_roster(campaign=world.campaign, source=data, actor=world.staff, filename=name)
    assert report.errors == [], [str(e) for e in report.errors]
    return report


def assert_students(world):
    wang = Student.objects.get(student_no="2017000001")
    li = Student.objects.get(student_no="2017000002")
    assert (wang.name, wang.gender, wang.id_number, wang.college, wang.major, wang.class_name) == (
        "王伟",
        "男",
        id_for(1),
        world.mech,
        "机械工程",
        "机械1701",
    )
    assert (wang.level, wang.campus) == (Level.UNDERGRADUATE, world.kfq)
    assert (li.name, li.gender, li.id_number, li.college, li.major, li.class_name) == (
        "李娜",
        "女",
        id_for(2, sequence=2),
        world.mech,
        "车辆工程",
        "车辆1702",
    )
    assert (li.level, li.campus) == (Level.JUNIOR, world.jst)
    assert Student.objects.count() == 2


def notices(report) -> set[str]:
    return {w.code for w in report.warnings}


def test_xlsx_with_title_rows_footer_and_instruction_sheet_first(world):
    data = shapes.xlsx(
        [shapes.HEADER, ROW1, ROW2],
        before=[["大连理工大学2021届毕业生图像采集名单"], ["（按学院排序）"]],
        after=[[None], *FOOTER],
        merges=["A1:I1"],
        sheets_before=[("填表说明", [["请按模板填写"], ["学号", "姓名", "身份证号"]])],
        hidden_before=[("隐藏", [shapes.HEADER, ["1", "x"]])],
    )
    report = run(world, data, "名单.xlsx")
    assert_students(world)
    assert report.sheet == "名单"
    assert {"sheet_chosen", "sheet_hidden", "sheet_instructions", "footer_skipped"} <= notices(report)


def test_xlsx_merged_college_column_and_two_row_header(world):
    top = ["学号", "姓名", "性别", "身份证号", "院系信息", None, None, "层次", "校区"]
    bottom = [None, None, None, None, "学院", "专业", "班级", None, None]
    row2 = [*ROW2[:4], None, *ROW2[5:]]  # 学院 merged down from row 3
    data = shapes.xlsx(
        [top, bottom, ROW1, row2], merges=["E1:G1", "A1:A2", "B1:B2", "C1:C2", "D1:D2", "H1:H2", "I1:I2", "E3:E4"]
    )
    run(world, data, "名单.xlsx")
    assert_students(world)


def test_chsi_field_codes_pinyin_suffixes_and_gender_codes(world):
    header = ["XH", "XM", "XB", "SFZH", "YXMC", "ZYMC", "BH", "CC", "XQ"]
    rows = [[*ROW1[:2], "1", *ROW1[3:]], [*ROW2[:2], "2", *ROW2[3:]]]
    run(world, shapes.xlsx([header, *rows]), "xj.xlsx")
    assert_students(world)
    Student.objects.all().delete()
    header = [
        "学号(xh)",
        "姓名(xm)",
        "性别（xb）",
        "身份证号(sfzh)",
        "院系(yx)",
        "专业(zymc)",
        "班号",
        "培养层次",
        "校区",
    ]
    rows = [[*ROW1[:2], "M", *ROW1[3:]], [*ROW2[:2], "F", *ROW2[3:]]]
    run(world, shapes.xlsx([header, *rows]), "xj.xlsx")
    assert_students(world)


def test_apostrophe_and_formula_text_cells_are_cleaned(world):
    rows = [["'" + ROW1[0], *ROW1[1:3], "'" + ROW1[3], *ROW1[4:]], ['="2017000002"', *ROW2[1:]]]
    run(world, shapes.csv_bytes([shapes.HEADER, *rows]), "名单.csv")
    assert_students(world)


def test_xls_with_title_row_merged_college_and_a_hidden_sheet(world):
    row2 = [*ROW2[:4], None, *ROW2[5:]]
    data = shapes.xls(
        [shapes.HEADER, ROW1, row2], before=[["2021届毕业生名单"]], merges=[(2, 3, 4, 4)], hidden_first=True
    )
    report = run(world, data, "名单.xls")
    assert_students(world)
    assert "sheet_hidden" in notices(report)


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [("utf-8", False, ","), ("utf-8", True, ","), ("gbk", False, ","), ("gb18030", False, "\t")],
)
def test_csv_in_utf8_with_and_without_bom_and_in_gbk(world, encoding, bom, delimiter):
    data = shapes.csv_bytes([shapes.HEADER, ROW1, ROW2], encoding=encoding, bom=bom, delimiter=delimiter)
    report = run(world, data, "名单.csv")
    assert_students(world)
    assert ("encoding" in notices(report)) == encoding.startswith("gb")


def test_html_table_saved_as_xls_with_rowspan(world):
    rows = [shapes.HEADER, ROW1, [*ROW2[:4], ..., *ROW2[5:]]]
    rows[1] = [*ROW1]
    data = shapes.html_table(rows, charset="gbk", rowspans={(1, 4): 2})
    report = run(world, data, "名单.xls")
    assert_students(world)
    assert "format_mismatch" in notices(report)
    assert any("网页" in w.message for w in report.warnings)
    # The table's name is kept as data and named in the reader's language when shown.
    [chosen] = [w for w in report.warnings if w.code == "sheet_chosen"]
    assert report.sheet == "[html 1]"
    assert chosen.message == "读取了工作表“网页表格 1”"
    with translation.override("en"):
        assert "[html" not in chosen.message and "网页" not in chosen.message, chosen.message
        [mismatch] = [w for w in report.warnings if w.code == "format_mismatch"]
        assert "HTML" in mismatch.message and "网页" not in mismatch.message, mismatch.message


def test_a_workbook_named_csv_is_read_as_the_workbook_it_is(world):
    report = run(world, shapes.xlsx([shapes.HEADER, ROW1, ROW2]), "名单.csv")
    assert_students(world)
    [mismatch] = [w for w in report.warnings if w.code == "format_mismatch"]
    assert "Excel 工作簿" in mismatch.message


def test_unknown_columns_are_listed_as_ignored(world):
    header = [*shapes.HEADER, "民族", "政治面貌"]
    report = run(world, shapes.xlsx([header, [*ROW1, "汉", "团员"], [*ROW2, "回", ""]]), "名单.xlsx")
    [ignored] = [w for w in report.warnings if w.code == "columns_ignored"]
    assert "民族" in ignored.message and "政治面貌" in ignored.message


def test_wps_like_quirks_float_student_numbers_and_spaced_names(world):
    # WPS writes numbers typed into General cells as floats and pads two-character names.
    rows = [[2017000001.0, "王  伟", *ROW1[2:]], [2017000002, "李娜", *ROW2[2:]]]
    run(world, shapes.xlsx([shapes.HEADER, *rows]), "名单.xlsx")
    assert_students(world)


def test_college_suggestion_ignores_the_shared_suffix(world):
    rows = [[*ROW1[:4], "经济学院", *ROW1[5:]], [*ROW2[:4], "机电工程学员", *ROW2[5:]]]
    report = import_roster(
        campaign=world.campaign, source=shapes.xlsx([shapes.HEADER, *rows]), actor=None, filename="a.xlsx"
    )
    first, second = report.errors
    assert first.code == "name_unknown" and "是不是" not in first.message
    assert "是不是“机电工程学院”" in second.message


def test_bad_rows_download_as_a_workbook_with_the_reason_beside_them(staff_client, world):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl import load_workbook

    bad = [*ROW2[:3], "123", *ROW2[4:]]
    data = shapes.xlsx([shapes.HEADER, ROW1, bad], before=[["2021届毕业生名单"]])
    upload = SimpleUploadedFile("名单.xlsx", data)
    response = staff_client.post(reverse("roster:upload"), {"campaign": world.campaign.pk, "file": upload}, follow=True)
    file_url = reverse("jobs:file", args=[response.context["job"].pk])
    assert file_url in response.content.decode()
    download = staff_client.get(file_url)
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0] == ("原行号", "错误原因", *shapes.HEADER)
    [(number, reason, *cells)] = rows[1:]
    assert number == 4 and reason.startswith("身份证号：") and cells[0] == "2017000002" and cells[3] == "123"
    assert Student.objects.count() == 0


def test_the_active_sheet_wins_over_an_earlier_one_with_a_header(world):
    import io

    from openpyxl import load_workbook

    data = shapes.xlsx([shapes.HEADER, ROW1, ROW2], sheets_before=[("去年名单", [shapes.HEADER, ["2016000001", "旧"]])])
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.active.title == "名单"  # what Excel would open on
    report = run(world, data, "名单.xlsx")
    assert report.sheet == "名单"
    assert_students(world)
