"""The demo's building blocks: the notice's schedule, a realistic roster and the demo accounts.

Deterministic (fixed random seeds) and safe to run twice: rows are matched by their natural
keys and only missing ones are created.
"""

import datetime
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from sessions_app.idcard import gender_from_id, make_id_number
from sessions_app.models import (
    Audience,
    Campaign,
    Campus,
    CaptureGroup,
    College,
    Level,
    Location,
    Slot,
    Student,
)

from . import schedule as plan

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


def campuses() -> dict[str, Campus]:
    return {
        name: Campus.objects.get_or_create(name=name, defaults={"aliases": aliases})[0]
        for name, aliases in plan.CAMPUSES
    }


def colleges() -> dict[str, College]:
    return {
        name: College.objects.get_or_create(name=name, defaults={"aliases": aliases, "sort_order": i})[0]
        for i, (name, aliases, _campus) in enumerate(plan.COLLEGES)
    }


def notice_campaign(campuses, colleges) -> Campaign:
    """The 2021 campaign and its 14-slot schedule exactly as the notice sets them out."""
    campaign, _ = Campaign.objects.get_or_create(code=plan.CAMPAIGN["code"], defaults=plan.CAMPAIGN)
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
    return campaign


def _person(rng: random.Random, used_ids: set[str], birth_year: int) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    while True:
        birth = datetime.date(birth_year, 1, 1) + datetime.timedelta(days=rng.randrange(3 * 365))
        number = make_id_number(area=rng.choice(AREAS), birth=birth, sequence=rng.randrange(1000))
        if number not in used_ids:
            used_ids.add(number)
            return name, number


def _scaled(count: int, size: float) -> int:
    return max(1, round(count * size))


def roster(campaign, campuses, colleges, *, entry_year: int, seed: int, size: float = 1.0) -> int:
    """The cohort that entered in `entry_year`: plan.HEADCOUNT undergraduates per college (times
    `size`), the 双D港 机电 students and the graduate students. Returns how many were created."""
    rng = random.Random(seed)
    existing = set(Student.objects.filter(campaign=campaign).values_list("student_no", flat=True))
    # A roster grown in steps (bench/pages.py) must not draw an ID number already taken.
    used_ids = set(Student.objects.filter(campaign=campaign).values_list("id_number", flat=True))
    home = {name: campus for name, _aliases, campus in plan.COLLEGES}
    yy = entry_year % 100
    birth_year = entry_year - 19
    rows = []

    def add(student_no, college, level, campus, major, class_name):
        name, number = _person(rng, used_ids, birth_year)
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
        shuangd = _scaled(plan.SHUANGDGANG_JIDIAN, size)
        for i in range(_scaled(count, size)):
            major_index = i % len(majors)
            class_no = 1 + (i // len(majors)) // 30
            short = majors[major_index][:2]
            on_shuangd = college == "机电工程学院" and i < shuangd
            add(
                student_no=f"{entry_year}{c_index:02d}{major_index + 1}{i:04d}",
                college=college,
                level=Level.UNDERGRADUATE,
                campus="双D港校区" if on_shuangd else home[college],
                major=majors[major_index],
                class_name=f"{short}{yy:02d}{class_no:02d}",
            )
    college_names = list(plan.HEADCOUNT)
    for campus, count in plan.GRADUATES.items():
        local = [c for c in college_names if home[c] == campus]
        for i in range(_scaled(count, size)):
            college = local[i % len(local)]
            add(
                student_no=f"S{entry_year + 1}{'1' if campus == '金石滩校区' else '2'}{i:04d}",
                college=college,
                level=Level.GRADUATE,
                campus=campus,
                major=plan.MAJORS[college][0],
                class_name=f"研{entry_year + 1}",
            )
    Student.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


class Accounts:
    """Demo users, all with DEMO_PASSWORD (hashed once: PBKDF2 per user made seeding slow)."""

    def __init__(self):
        self._hash = make_password(DEMO_PASSWORD)

    def user(self, username: str, role: str, display_name: str, **extra):
        User = get_user_model()
        user, _made = User.objects.get_or_create(
            # Addresses at the reserved example domain: reminders reach a (file) mail backend in the demo.
            username=username,
            defaults={
                "role": role,
                "display_name": display_name,
                "email": f"{username}@example.edu.cn",
                "password": self._hash,
                **extra,
            },
        )
        return user

    def staff_and_college_roles(self, colleges) -> dict:
        """教务处, a coordinator and a counselor per college, the 金石滩第一组 desk operator."""
        staff = self.user("jwc", Role.STAFF, "教务处 于老师", is_staff=True, is_superuser=True)
        cs = colleges["计算机科学与工程学院"]
        coordinators, counselors = {}, {}
        for index, college in enumerate(colleges.values(), start=1):
            if college.pk == cs.pk:
                coordinator = self.user("coord_cs", Role.COORDINATOR, "计算机学院 王老师")
                counselor = self.user("counselor_cs", Role.COUNSELOR, "计算机学院 辅导员 李老师")
            else:
                coordinator = self.user(f"coord_{index:02d}", Role.COORDINATOR, f"{college.name} 负责老师")
                counselor = self.user(f"counselor_{index:02d}", Role.COUNSELOR, f"{college.name} 辅导员")
            coordinator.colleges.add(college)
            coordinators[college.pk], counselors[college.pk] = coordinator, counselor
        operator = self.user("desk_jst1", Role.OPERATOR, "金石滩第一组 采集台")
        return {"staff": staff, "coordinators": coordinators, "counselors": counselors, "operator": operator}

    def assign_counselors(self, campaign, counselors: dict) -> None:
        for college_id, counselor in counselors.items():
            Student.objects.filter(campaign=campaign, college_id=college_id, counselor__isnull=True).update(
                counselor=counselor
            )

    def student(self, student: Student):
        if student.user_id is None:
            student.user = self.user(student.student_no, Role.STUDENT, student.name)
            student.save(update_fields=["user"])
        return student.user


def capture_slots(*, campaign, slots, operator, capture: Callable, absent: Callable[[int, Slot], bool], now=None):
    """Swipe every student of `slots` through the capture service, skipping the absent ones;
    times follow the slot (8 s a student) but never run past `now`. Returns how many were captured."""
    count = 0
    now = now or timezone.now()
    for slot in slots:
        students = list(
            Student.objects.filter(assigned_slot=slot).order_by("student_no").values_list("student_no", flat=True)
        )
        start = timezone.make_aware(datetime.datetime.combine(slot.date, slot.start_time))
        with transaction.atomic():
            for i, student_no in enumerate(students):
                if absent(i, slot):
                    continue
                planned = start + datetime.timedelta(seconds=8 * i)
                when = min(planned, now - datetime.timedelta(seconds=8 * (len(students) - i)))
                capture(campaign=campaign, slot=slot, identifier=student_no, operator=operator, now=when)
                count += 1
    return count
