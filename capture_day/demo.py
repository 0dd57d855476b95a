"""The demo campaign: the 2021 schedule from the notice and a realistic roster.

Deterministic (fixed random seed) and safe to run twice: rows are matched by
their natural keys and only missing ones are created.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from sessions_app import demo_schedule as plan
from sessions_app.idcard import gender_from_id, make_id_number
from sessions_app.models import (
    Audience,
    Campaign,
    Campus,
    Capture,
    CaptureGroup,
    College,
    Level,
    Location,
    Slot,
    Student,
)
from sessions_app.services import refresh_slot_assignments

from .services import check_in

DEMO_PASSWORD = "demo-2021"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽浩宇轩然博文子涵一鸣天佑俊杰志强泽宇"  # noqa: E501
# Birthplace area codes: a minzu university draws from many provinces.
AREAS = [
    "210202",
    "210203",
    "210204",
    "210211",
    "210102",
    "210103",
    "150102",
    "152201",
    "220102",
    "230102",
    "520102",
    "530102",
    "640104",
    "650102",
    "450102",
    "630102",
    "130102",
    "370102",
    "410102",
    "510104",
]


@dataclass
class DemoSummary:
    campaign: Campaign
    students: int = 0
    created_students: int = 0
    captures: int = 0
    logins: list = field(default_factory=list)


def seed_demo(*, with_captures: bool = True, size: float = 1.0) -> DemoSummary:
    """The demo campaign; `size` scales every college's headcount (tests and the production
    rehearsal load a few dozen students instead of 4,320; every college keeps at least one)."""
    with transaction.atomic():
        campaign, _ = Campaign.objects.get_or_create(code=plan.CAMPAIGN["code"], defaults=plan.CAMPAIGN)
        campuses = _campuses()
        colleges = _colleges()
        slots = _schedule(campaign, campuses, colleges)
        created = _roster(campaign, campuses, colleges, size=size)
        refresh_slot_assignments(campaign=campaign)
        logins = _users(campaign, colleges)
    captures = _captures(campaign, slots) if with_captures else 0
    return DemoSummary(
        campaign=campaign,
        students=Student.objects.filter(campaign=campaign).count(),
        created_students=created,
        captures=captures,
        logins=logins,
    )


def _campuses() -> dict[str, Campus]:
    return {
        name: Campus.objects.get_or_create(name=name, defaults={"aliases": aliases})[0]
        for name, aliases in plan.CAMPUSES
    }


def _colleges() -> dict[str, College]:
    return {
        name: College.objects.get_or_create(name=name, defaults={"aliases": aliases, "sort_order": i})[0]
        for i, (name, aliases, _campus) in enumerate(plan.COLLEGES)
    }


def _schedule(campaign, campuses, colleges) -> list[Slot]:
    slots = []
    for order, (group_name, campus_name, rows) in enumerate(plan.SCHEDULE):
        location, _ = Location.objects.get_or_create(campus=campuses[campus_name], name=plan.PLACE)
        group, _ = CaptureGroup.objects.get_or_create(
            campaign=campaign, name=group_name, defaults={"location": location, "sort_order": order}
        )
        for start, end, audiences in rows:
            slot, made = Slot.objects.get_or_create(
                group=group,
                date=plan.CAPTURE_DAY,
                start_time=datetime.time.fromisoformat(start),
                defaults={"end_time": datetime.time.fromisoformat(end)},
            )
            if made:
                for seq, (college, campus, level, label) in enumerate(audiences):
                    Audience.objects.create(
                        slot=slot,
                        college=colleges[college] if college else None,
                        campus=campuses[campus] if campus else None,
                        level=level,
                        sequence=seq,
                        label=label,
                    )
            slots.append(slot)
    return slots


def _person(rng: random.Random, used_ids: set[str]) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    while True:
        birth = datetime.date(1998, 1, 1) + datetime.timedelta(days=rng.randrange(3 * 365))
        number = make_id_number(area=rng.choice(AREAS), birth=birth, sequence=rng.randrange(1000))
        if number not in used_ids:
            used_ids.add(number)
            return name, number


def _roster(campaign, campuses, colleges, *, size: float) -> int:
    rng = random.Random(2021)
    existing = set(Student.objects.filter(campaign=campaign).values_list("student_no", flat=True))
    used_ids: set[str] = set()
    home = {name: campus for name, _aliases, campus in plan.COLLEGES}
    rows = []

    def add(student_no, college, level, campus, major, class_name):
        name, number = _person(rng, used_ids)
        if student_no in existing:
            return
        rows.append(
            Student(
                campaign=campaign,
                student_no=student_no,
                name=name,
                gender=gender_from_id(number),
                id_number=number,
                college=colleges[college],
                major=major,
                class_name=class_name,
                level=level,
                campus=campuses[campus],
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            )
        )

    for c_index, (college, count) in enumerate(plan.HEADCOUNT.items(), start=1):
        majors = plan.MAJORS[college]
        for i in range(_scaled(count, size)):
            major_index = i % len(majors)
            class_no = 1 + (i // len(majors)) // 30
            short = majors[major_index][:2]
            on_shuangd = college == "机电工程学院" and i < plan.SHUANGDGANG_JIDIAN
            add(
                student_no=f"2017{c_index:02d}{major_index + 1}{i:04d}",
                college=college,
                level=Level.UNDERGRADUATE,
                campus="双D港校区" if on_shuangd else home[college],
                major=majors[major_index],
                class_name=f"{short}17{class_no:02d}",
            )
    college_names = list(plan.HEADCOUNT)
    for campus, count in plan.GRADUATES.items():
        local = [c for c in college_names if home[c] == campus]
        for i in range(_scaled(count, size)):
            college = local[i % len(local)]
            add(
                student_no=f"S2018{'1' if campus == '金石滩校区' else '2'}{i:04d}",
                college=college,
                level=Level.GRADUATE,
                campus=campus,
                major=plan.MAJORS[college][0],
                class_name="研2018",
            )
    Student.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _scaled(count: int, size: float) -> int:
    return max(1, round(count * size))


def _user(username: str, role: str, display_name: str, **extra):
    User = get_user_model()
    user, made = User.objects.get_or_create(
        # Addresses at the reserved example domain: reminders reach a (file) mail backend in the demo.
        username=username,
        defaults={"role": role, "display_name": display_name, "email": f"{username}@example.edu.cn", **extra},
    )
    if made:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _users(campaign, colleges) -> list[tuple[str, str, str]]:
    staff = _user("jwc", Role.STAFF, "教务处 于老师", is_staff=True, is_superuser=True)
    cs = colleges["计算机科学与工程学院"]
    coordinator = _user("coord_cs", Role.COORDINATOR, "计算机学院 王老师")
    coordinator.colleges.add(cs)
    counselor = _user("counselor_cs", Role.COUNSELOR, "计算机学院 辅导员 李老师")
    Student.objects.filter(campaign=campaign, college=cs, counselor__isnull=True).update(counselor=counselor)
    for index, college in enumerate(colleges.values(), start=1):
        if college.pk == cs.pk:
            continue
        other = _user(f"counselor_{index:02d}", Role.COUNSELOR, f"{college.name} 辅导员")
        Student.objects.filter(campaign=campaign, college=college, counselor__isnull=True).update(counselor=other)
    operator = _user("desk_jst1", Role.OPERATOR, "金石滩第一组 采集台")
    operator.capture_groups.add(*CaptureGroup.objects.filter(campaign=campaign, name="金石滩第一组"))
    student = (
        Student.objects.filter(campaign=campaign, college=cs, level=Level.UNDERGRADUATE).order_by("student_no").first()
    )
    if student.user_id is None:
        student.user = _user(student.student_no, Role.STUDENT, student.name)
        student.save(update_fields=["user"])
    return [
        ("教务处", staff.username, DEMO_PASSWORD),
        ("学院负责老师（计算机科学与工程学院）", coordinator.username, DEMO_PASSWORD),
        ("辅导员（计算机科学与工程学院）", counselor.username, DEMO_PASSWORD),
        ("采集台操作员（金石滩第一组）", operator.username, DEMO_PASSWORD),
        (f"毕业生（{student.name}）", student.user.username, DEMO_PASSWORD),
    ]


def _captures(campaign, slots) -> int:
    """The first slot of each group has been shot: most of its students captured, a few absent."""
    if Capture.objects.filter(campaign=campaign).exists():
        return Capture.objects.filter(campaign=campaign, undone_at__isnull=True).count()
    rng = random.Random(1126)
    operator = get_user_model().objects.get(username="jwc")
    first_slots = {}
    for slot in slots:
        first_slots.setdefault(slot.group_id, slot)
    count = 0
    for slot in first_slots.values():
        students = (
            Student.objects.filter(assigned_slot=slot).order_by("student_no").values_list("student_no", flat=True)
        )
        start = timezone.make_aware(datetime.datetime.combine(slot.date, slot.start_time))
        for i, student_no in enumerate(students):
            if rng.random() < 0.04:
                continue  # absent: will need a retake
            when = start + datetime.timedelta(seconds=8 * i)
            check_in(campaign=campaign, slot=slot, identifier=student_no, operator=operator, now=when)
            count += 1
    return count
