import datetime
import re
from decimal import Decimal

import pytest

from accounts.models import Role, User
from demo import schedule as plan
from demo.run import seed_demo
from sessions_app.idcard import validate_id_number
from sessions_app.models import Campaign, Capture, Slot, SlotStatus, Student

pytestmark = pytest.mark.django_db

NOTICE_TABLE = [
    ("金石滩第一组", "08:30-09:50", "金石滩校区 大学生活动中心", "经济管理学院"),
    ("金石滩第一组", "09:50-11:00", "金石滩校区 大学生活动中心", "计算机科学与工程学院"),
    ("金石滩第一组", "11:00-12:00", "金石滩校区 大学生活动中心", "理学院 + 机电学院（双D港校区）"),
    ("金石滩第二组", "08:30-09:50", "金石滩校区 大学生活动中心", "国际商学院"),
    ("金石滩第二组", "09:50-10:50", "金石滩校区 大学生活动中心", "土木工程学院"),
    ("金石滩第二组", "10:50-12:00", "金石滩校区 大学生活动中心", "建筑学院 + 研究生（后）"),
    ("开发区第一组", "08:10-09:10", "开发区校区 大学生活动中心", "生命科学学院"),
    ("开发区第一组", "09:10-10:10", "开发区校区 大学生活动中心", "文法学院"),
    ("开发区第一组", "10:10-10:50", "开发区校区 大学生活动中心", "外国语学院"),
    ("开发区第一组", "10:50-12:00", "开发区校区 大学生活动中心", "信息与通信工程学院"),
    ("开发区第二组", "08:10-09:00", "开发区校区 大学生活动中心", "设计学院"),
    ("开发区第二组", "09:00-10:30", "开发区校区 大学生活动中心", "机电工程学院"),
    ("开发区第二组", "10:30-11:00", "开发区校区 大学生活动中心", "环境与资源学院"),
    ("开发区第二组", "11:00-12:00", "开发区校区 大学生活动中心", "物理与材料工程学院 + 研究生"),
]


def schedule_as_table():
    slots = Slot.objects.select_related("group__location__campus").prefetch_related("audiences__college")
    return [
        (
            s.group.name,
            s.time_range(),
            str(s.group.location),
            " + ".join(a.display_name() for a in s.audiences.all()),
        )
        for s in slots.order_by("group__sort_order", "start_time")
    ]


def test_demo_is_the_notice_and_safe_to_run_twice():
    first = seed_demo(with_captures=False, with_current=False)
    second = seed_demo(with_captures=False, with_current=False)

    campaign = Campaign.objects.get(code="2021")
    assert campaign.fee_per_person == Decimal("17.00")
    assert campaign.remittance_deadline == datetime.date(2020, 11, 30)
    assert campaign.verification_window == 40
    assert Slot.objects.filter(date=datetime.date(2020, 11, 26)).count() == 14
    assert schedule_as_table() == NOTICE_TABLE

    assert first.created_students == first.students and second.created_students == 0
    assert 4000 <= Student.objects.count() <= 4500
    assert not Student.objects.exclude(slot_status=SlotStatus.MATCHED).exists()
    for number in Student.objects.values_list("id_number", flat=True)[:500]:
        assert validate_id_number(number) == number
    assert {u.role for u in User.objects.all()} >= {r.value for r in Role} - {Role.STUDENT}


def test_demo_captures_the_first_slot_of_each_group_once():
    summary = seed_demo(with_current=False, size=0.05)
    assert summary.captures > 50
    again = seed_demo(with_current=False, size=0.05)
    assert again.captures == summary.captures
    assert Capture.objects.count() == summary.captures


def test_size_scales_every_college_and_keeps_each_one():
    summary = seed_demo(with_captures=False, with_current=False, size=0.01)
    assert 40 <= summary.students <= 80
    per_college = Student.objects.values("college").distinct().count()
    assert per_college == len(plan.HEADCOUNT)
    assert Student.objects.filter(level="graduate").exists()


def test_no_current_keeps_2021_live_for_the_rehearsal(capsys):
    """tests/integration/test_rehearsal.py logs in as the last printed 用户名 and swipes at desk_jst1."""
    from django.core.management import call_command

    call_command("seed_demo", "--size", "0.02", "--no-current")
    out = capsys.readouterr().out
    last = re.findall(r"用户名 (\S+)", out)[-1]
    student = Student.objects.get(user__username=last)
    assert student.campaign.code == "2021"
    assert Campaign.objects.count() == 1
    operator = User.objects.get(username="desk_jst1")
    assert list(operator.capture_groups.values_list("campaign__code", "name")) == [("2021", "金石滩第一组")]
