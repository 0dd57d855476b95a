"""Builders shared by the roster tests: small .xlsx files written with openpyxl, as staff would get them."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from accounts.models import Role
from sessions_app.idcard import make_id_number
from tests.factories import make_campaign, make_campus, make_college, make_user

HEADER = ["学号", "姓名", "性别", "身份证号", "学院", "专业", "班级", "层次", "校区", "手机号", "辅导员"]


def id_for(n: int, *, sequence: int | None = None) -> str:
    """A valid, distinct ID number per n (odd sequence: male)."""
    birth = datetime.date(1999, 1, 1) + datetime.timedelta(days=n)
    return make_id_number(area="210202", birth=birth, sequence=(2 * n + 1) % 1000 if sequence is None else sequence)


def student_row(n: int, **overrides) -> dict:
    row = {
        "学号": f"2017{n:06d}",
        "姓名": f"学生{n}",
        "性别": "男",
        "身份证号": id_for(n),
        "学院": "机电工程学院",
        "专业": "机械工程",
        "班级": "机械1701",
        "层次": "本科",
        "校区": "开发区校区",
        "手机号": f"1380000{n:04d}",
        "辅导员": "",
    }
    row.update(overrides)
    return row


def write_xlsx(path: Path, rows: list[dict] | list[list], header: list[str] | None = None, before=()) -> Path:
    """rows as dicts keyed by header (missing keys left blank) or as plain lists of cell values."""
    header = header or HEADER
    workbook = Workbook()
    sheet = workbook.active
    for line in before:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header] if isinstance(row, dict) else row)
    workbook.save(path)
    return path


@dataclass
class World:
    campaign: object
    mech: object
    cs: object
    jst: object
    kfq: object
    counselor: object
    staff: object


def build_world() -> World:
    """Colleges, campuses and a counselor as staff set them up before the first import."""
    return World(
        campaign=make_campaign("r2021"),
        mech=make_college("机电工程学院", aliases="机电学院"),
        cs=make_college("计算机科学与工程学院"),
        jst=make_campus("金石滩校区", aliases="金石滩,双D港"),
        kfq=make_campus("开发区校区"),
        counselor=make_user(Role.COUNSELOR, username="fdy001", display_name="李老师"),
        staff=make_user(Role.STAFF, username="jwc"),
    )
