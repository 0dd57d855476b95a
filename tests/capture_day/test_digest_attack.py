"""Issue 25, item 5: the insiders' attack on the offline desk, run against what a desk gets.

The finding: the digest handed the browser the slot's key and a 64-bit tag per identifier, and
the swipe answer showed the area code and the last four characters of the ID number. Trying the
birth dates of one cohort against the digest rebuilt the whole number of every student swiped,
and guessing one area code found all of its students. Here the operator does the same with what
the desk gives them now (the digest as the browser downloads it, the swipe answers, the desk
page) and must not narrow any student's ID number below 100 candidates.
"""

import datetime
import hashlib
import hmac
import random
import re
from collections import Counter

import pytest
from django.urls import reverse

from accounts.models import Role
from capture_day.digest import slot_digest
from sessions_app.idcard import check_character, make_id_number, mask_id_number
from sessions_app.models import Shot
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("desk_on_capture_day")]

AREA = "210203"  # 大连市西岗区: the area code the attacker guesses
# The attacker's birth window: a graduating cohort is born within about two years. Narrower than
# any real cohort, so the attack below is stronger than one an operator could run in practice.
WINDOW = [datetime.date(2000, 1, 1) + datetime.timedelta(days=d) for d in range(731)]
THRESHOLD = 100


@pytest.fixture
def desk(client):
    campaign = make_campaign(identification_methods=["id_card", "student_no"])
    college = make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50")
    make_audience(slot, college=college)
    rng = random.Random(25)
    # 26 students of the guessed area code, as in the finding, among 274 from elsewhere.
    for i in range(300):
        area = AREA if i < 26 else rng.choice(["210202", "210211", "110101", "370102", "220104"])
        birth = WINDOW[rng.randrange(len(WINDOW))]
        make_student(
            campaign,
            college,
            name=f"{'张王李赵刘陈'[i % 6]}同学{i}",
            class_name=f"经管17{i % 8:02d}",
            id_number=make_id_number(area=area, birth=birth, sequence=rng.randrange(1000)),
        )
    refresh_slot_assignments(campaign=campaign)
    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)
    client.force_login(operator)
    return slot, list(slot.assigned_students.all()), client


def tag_of(key: bytes, number: str, chars: int) -> str:
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:chars]


def area_code_candidates(key: bytes, chars: int) -> Counter:
    """Every valid ID number of the area code and birth window, counted by the tag it lands on."""
    base = hmac.new(key, digestmod=hashlib.sha256)
    counts: Counter = Counter()
    for born in WINDOW:
        prefix = f"{AREA}{born:%Y%m%d}"
        for sequence in range(1000):
            body = f"{prefix}{sequence:03d}"
            h = base.copy()
            h.update((body + check_character(body)).encode())
            counts[h.hexdigest()[:chars]] += 1
    return counts


def shown_id_parts(text: str, id_number: str) -> tuple[str, str]:
    """What a text shows of an ID number around its masked middle: (head, tail) digits."""
    match = re.search(r"(\d{0,6})\*{4,}(\d{0,4}[\dX]?)", text)
    if not match or not (match.group(1) or match.group(2)):
        return "", ""
    head, tail = match.group(1), match.group(2)
    return (head, tail) if id_number.startswith(head) and id_number.endswith(tail) else ("", "")


def narrow(key: bytes, chars: int, bucket: str, head: str, tail: str) -> int:
    """The finding's known-student attack: area code and last four shown, so only the birth date
    is open; the candidates are the window's dates whose check character fits and whose number
    lands on the student's tag."""
    left = 0
    for born in WINDOW:
        body = f"{head}{born:%Y%m%d}{tail[:3]}"
        number = body + check_character(body)
        if number.endswith(tail) and tag_of(key, number, chars) == bucket:
            left += 1
    return left


def test_the_attack_from_the_finding_narrows_no_student_below_100(desk):
    slot, students, client = desk
    digest = client.get(reverse("capture_day:desk_digest", args=[slot.pk])).json()
    key, chars = bytes.fromhex(digest["key"]), digest["tag_chars"]

    # What the desk shows of a student an operator swipes (by the student number, say, which the
    # sign-in sheet lists): the answer and the desk page afterwards.
    known = [s for s in students if s.id_number.startswith(AREA)][:5]
    for student in known:
        answer = client.post(
            reverse("capture_day:desk_swipe", args=[slot.pk]),
            {"code": student.student_no},
            HTTP_ACCEPT="application/json",
        )
        assert answer.json()["student"]["name"] == student.name
        page = client.get(reverse("capture_day:desk", args=[slot.pk])).content.decode()
        for text in (answer.content.decode(), page):
            assert shown_id_parts(text, student.id_number) == ("", "")  # no digit around a mask
            assert student.id_number[6:14] not in text and student.id_number not in text

    # A whole area code over the birth window: 730,000 valid numbers, counted by their tag.
    counts = area_code_candidates(key, chars)
    assert sum(counts.values()) == len(WINDOW) * 1000
    of_area = [s for s in students if s.id_number.startswith(AREA)]
    assert len(of_area) == 26
    left = {s.name: counts[tag_of(key, s.id_number, chars)] for s in of_area}
    # Every student of the area code is still one of at least 100 candidates (about 178 each)...
    assert min(left.values()) >= THRESHOLD, left
    # ...and so is every known student, whose answer showed nothing more to narrow it with.
    for student in known:
        assert counts[tag_of(key, student.id_number, chars)] >= THRESHOLD
        assert [student.name[0], student.class_name] in digest["ids"][tag_of(key, student.id_number, chars)]


def test_the_attack_would_succeed_with_the_mask_the_desk_used_to_show(desk):
    """The same attack is not toothless: had the answer shown 210203********1234 as it did, the
    birth window alone would leave almost nothing beside the student's real number."""
    slot, students, _client = desk
    digest = slot_digest(slot)
    key, chars = bytes.fromhex(digest["key"]), digest["tag_chars"]
    student = next(s for s in students if s.id_number.startswith(AREA))
    head, tail = shown_id_parts(f"（{mask_id_number(student.id_number)}）", student.id_number)
    assert (head, tail) == (student.id_number[:6], student.id_number[-4:])
    left = narrow(key, chars, tag_of(key, student.id_number, chars), head, tail)
    assert 1 <= left < THRESHOLD  # the real number is among them, with hardly any company


def test_student_numbers_and_codes_are_not_held_and_are_shown_masked(desk):
    slot, students, client = desk
    digest = client.get(reverse("capture_day:desk_digest", args=[slot.pk])).json()
    assert set(digest) >= {"ids", "codes"} and digest["codes"] == {}  # no 采集码 in this campaign
    assert set(digest) == {"slot", "key", "tag_chars", "size", "by_id", "by_student_no", "ids", "codes", "ttl"}
    # One tag per student, of the ID number: no student number is held, under any tag.
    assert sum(len(hints) for hints in digest["ids"].values()) <= digest["size"] == len(students)
    student = students[0]
    answer = client.post(
        reverse("capture_day:desk_swipe", args=[slot.pk]), {"code": student.id_number}, HTTP_ACCEPT="application/json"
    ).json()
    shown = answer["student"]["student_no"]
    assert student.student_no not in str(answer)
    # 2017000123 is shown as 20******23: a million numbers of that shape fit what is shown.
    assert len(shown) == len(student.student_no) and shown.count("*") >= 2
    assert all(a in ("*", b) for a, b in zip(shown, student.student_no, strict=True))
    # Nor do the operator's other desk pages: the sign-in sheet and the 拍摄号 list (of the day the
    # swipe was recorded: the server's clock, not the desks' patched one).
    shot_day = Shot.objects.get(capture__student=student).day.isoformat()
    pages = [
        client.get(reverse("capture_day:signin_sheet", args=[slot.pk])).content.decode(),
        client.get(reverse("capture_day:shot_list", args=[slot.group_id]), {"day": shot_day}).content.decode(),
        client.get(reverse("capture_day:desk", args=[slot.pk])).content.decode(),
    ]
    assert shown in pages[0] and shown in pages[1]  # the swiped student, on both lists, masked
    for page in pages:
        for other in students:
            assert other.student_no not in page and other.id_number[6:14] not in page
