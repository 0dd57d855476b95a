"""Which header means which field.

Rosters come from the student-status system, from colleges' own spreadsheets and
from WPS, so the same column goes by several names; all of them are listed here
and nowhere else.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Column:
    field: str  # key in a parsed row (the Student field, or the lookup it resolves to)
    label: str  # the name shown to the registrar
    variants: tuple[str, ...]
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("student_no", "学号", ("学号", "学生编号", "学生学号"), required=True),
    Column("name", "姓名", ("姓名", "学生姓名"), required=True),
    Column("gender", "性别", ("性别",)),
    Column("id_number", "身份证号", ("身份证号", "身份证号码", "证件号码", "公民身份号码", "身份证"), required=True),
    Column("college", "学院", ("学院", "院系", "所在学院", "学院名称", "所在院系"), required=True),
    Column("major", "专业", ("专业", "专业名称")),
    Column("class_name", "班级", ("班级", "行政班", "班级名称")),
    Column("level", "层次", ("层次", "培养层次", "学历层次")),
    Column("campus", "校区", ("校区", "所在校区")),
    Column("phone", "手机号", ("手机号", "手机", "联系电话", "手机号码")),
    Column("counselor", "辅导员", ("辅导员", "辅导员姓名", "辅导员工号")),
    Column("email", "邮箱", ("邮箱", "电子邮箱", "邮箱地址", "email", "e-mail")),
    Column("collection_code", "采集码", ("采集码", "学信网采集码", "图像采集码")),
)

_BY_VARIANT: dict[str, Column] = {}
for _column in COLUMNS:
    for _variant in _column.variants:
        _BY_VARIANT[_variant.casefold()] = _column

# "手机号（必填）", "采集码(学信网)": a trailing note in brackets is not part of the name.
_TRAILING_NOTE = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]$")


def normalize_header(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = "".join(text.split()).strip("*:：")
    text = _TRAILING_NOTE.sub("", text).strip("*:：")
    return text.casefold()


def column_for(header) -> Column | None:
    return _BY_VARIANT.get(normalize_header(header))


def describe_expected() -> str:
    """The list of headers a file must or may have, for error messages."""

    def one(column: Column) -> str:
        others = [v for v in column.variants if v != column.label and not v.isascii()]
        return f"{column.label}（{'/'.join(others)}）" if others else column.label

    required = "、".join(one(c) for c in COLUMNS if c.required)
    optional = "、".join(one(c) for c in COLUMNS if not c.required)
    return _("必需的列：%(required)s；可选的列：%(optional)s") % {"required": required, "optional": optional}


@dataclass
class HeaderMap:
    row: int  # the Excel row number of the header row
    positions: dict[str, int]  # field -> 0-based column index
    titles: dict[str, str]  # field -> the header as written in the file
    unknown: list[str]
    duplicates: list[tuple[str, str, str]]  # (label, first header, second header)

    def missing(self) -> list[Column]:
        return [c for c in COLUMNS if c.required and c.field not in self.positions]


def map_headers(values, *, row: int) -> HeaderMap:
    positions: dict[str, int] = {}
    titles: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[tuple[str, str, str]] = []
    for index, value in enumerate(values):
        title = " ".join(str(value).split()) if value is not None else ""
        if not title:
            continue
        column = column_for(title)
        if column is None:
            unknown.append(title)
        elif column.field in positions:
            duplicates.append((column.label, titles[column.field], title))
        else:
            positions[column.field] = index
            titles[column.field] = title
    return HeaderMap(row=row, positions=positions, titles=titles, unknown=unknown, duplicates=duplicates)


def recognised_count(values) -> int:
    return len({c.field for c in (column_for(v) for v in values if v is not None) if c is not None})
