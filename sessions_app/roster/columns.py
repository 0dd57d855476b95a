"""Which header means which field in a roster.

Rosters come from the student-status systems (正方, 青果, 强智, 金智), from CHSI's 学籍 exports
(field codes such as XH, XM, SFZH) and from colleges' own spreadsheets, so the same column goes
by several names; all of them are listed here and nowhere else. `学号(xh)` and `学号（必填）`
are matched by the intake, which drops a trailing bracket.
"""

from intake import Field, Vocabulary

VOCABULARY = Vocabulary(
    fields=(
        Field("student_no", "学号", ("学生编号", "学生学号", "学籍号", "xh", "xsbh", "xjh"), True, "2017001001"),
        Field("name", "姓名", ("学生姓名", "xm", "xsxm"), True, "张三"),
        Field("gender", "性别", ("xb", "性别码", "xbm"), example="男"),
        Field(
            "id_number",
            "身份证号",
            ("身份证号码", "证件号码", "证件号", "公民身份号码", "身份证", "身份证件号", "sfzh", "zjhm", "sfzjh"),
            True,
            "11010519491231002X",
        ),
        Field(
            "college",
            "学院",
            ("院系", "所在学院", "学院名称", "所在院系", "院系名称", "分院", "yxmc", "yx", "xy", "xymc", "yxsmc", "fy"),
            True,
            "计算机科学与工程学院",
        ),
        Field("major", "专业", ("专业名称", "zymc", "zy"), example="软件工程"),
        Field("class_name", "班级", ("行政班", "班级名称", "班号", "bj", "bh", "bjmc"), example="软件1701"),
        Field("level", "层次", ("培养层次", "学历层次", "学生类别", "cc", "pycc"), example="本科"),
        Field("campus", "校区", ("所在校区", "xq", "xqmc"), example="金石滩校区"),
        Field("phone", "手机号", ("手机", "联系电话", "手机号码", "sjhm", "sjh", "lxdh"), example="13800000000"),
        Field("counselor", "辅导员", ("辅导员姓名", "辅导员工号", "fdy", "fdyxm"), example="李老师"),
        Field("email", "邮箱", ("电子邮箱", "邮箱地址", "email", "e-mail", "dzyx")),
        Field("collection_code", "采集码", ("学信网采集码", "图像采集码", "cjm")),
    )
)
COLUMNS = VOCABULARY.fields


def describe_expected() -> str:
    return VOCABULARY.expected()
