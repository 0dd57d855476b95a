"""拍摄号 where people meet it: the desk, the operator's list, the export, the sign-in sheet, the phone."""

import datetime
import io
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from capture_day.services import check_in
from sessions_app.idcard import mask_code
from sessions_app.models import Shot, Student
from tests.desk_world import add_students
from tests.jobs_support import export_bytes

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
DAY = datetime.date(2020, 11, 26)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2020, 11, 26, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def swipe(world, student, slot=None):  # noqa: F811
    slot = slot or world.slot_econ
    # Each group's own operator: check_in refuses a desk of another group.
    operator = world.other_operator if slot.group_id == world.slot_civil.group_id else world.operator
    return check_in(campaign=world.campaign, slot=slot, identifier=student.student_no, operator=operator)


def shots_url(world, day=DAY):  # noqa: F811
    return reverse("capture_day:shot_list", args=[world.slot_econ.group_id]) + f"?day={day.isoformat()}"


# --- the desk -----------------------------------------------------------------


def test_the_desk_answer_carries_the_number_and_the_page_has_its_place(client, world):  # noqa: F811
    client.force_login(world.operator)
    html = client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert 'data-field="shot"' in html and '"shot_states": {"live"' in html
    url = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    nonce = str(uuid.uuid4())
    first = client.post(url, {"code": world.econ_student.id_number, "nonce": nonce}, **JSON).json()
    second = client.post(url, {"code": world.econ_student2.student_no}, **JSON).json()
    resent = client.post(url, {"code": world.econ_student.id_number, "nonce": nonce}, **JSON).json()
    repeat = client.post(url, {"code": world.econ_student.id_number}, **JSON).json()
    assert [b["shot"]["number"] for b in (first, second, resent, repeat)] == [1, 2, 1, 1]
    assert repeat["outcome"] == "already_captured" and first["shot"]["group"] == "金石滩第一组"


def test_a_desk_without_javascript_says_the_number_too(client, world):  # noqa: F811
    client.force_login(world.operator)
    url = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    html = client.post(url, {"code": world.econ_student.student_no}, follow=True).content.decode()
    assert "张三：采集成功（拍摄号 1）" in html


# --- the operator's list --------------------------------------------------------


def test_the_list_shows_the_groups_numbers_of_the_day(client, world):  # noqa: F811
    swipe(world, world.econ_student)
    swipe(world, world.cs_student, slot=world.slot_cs)
    swipe(world, world.civil_student, slot=world.slot_civil)  # the other group: not on this list
    client.force_login(world.operator)
    html = client.get(shots_url(world)).content.decode()
    assert 'data-shot="1" data-status="live"' in html and 'data-shot="2" data-status="live"' in html
    assert "张三" in html and "赵六" in html and "钱七" not in html
    # An operator sees the student number masked (issue 25), and never the ID number.
    assert masked(world.econ_student.student_no) in html and world.econ_student.id_number not in html
    assert world.econ_student.student_no not in html
    assert reverse("export", args=["shots"]) in html
    desk = client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert reverse("capture_day:shot_list", args=[world.slot_econ.group_id]) in desk


def test_the_list_is_only_for_the_groups_operators_and_staff(client, world):  # noqa: F811
    client.force_login(world.other_operator)
    assert client.get(shots_url(world)).status_code == 404
    client.force_login(world.coordinator)
    assert client.get(shots_url(world)).status_code == 403
    client.force_login(world.staff)
    assert client.get(shots_url(world)).status_code == 200


@pytest.mark.parametrize("day", ["2020-13-45", "yesterday", "x" * 500])
def test_a_bad_day_says_how_to_write_it(client, world, day):  # noqa: F811
    client.force_login(world.operator)
    url = reverse("capture_day:shot_list", args=[world.slot_econ.group_id])
    response = client.get(url, {"day": day}, follow=True)
    assert response.status_code == 200
    assert "日期格式应为" in response.content.decode()


def test_a_nul_in_the_day_is_refused_before_the_page(client, world):  # noqa: F811
    client.force_login(world.operator)
    url = reverse("capture_day:shot_list", args=[world.slot_econ.group_id])
    response = client.get(url, {"day": "\x002020-11-26"})
    assert response.status_code == 400 and "无效字符" in response.content.decode()


def test_the_lists_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):  # noqa: F811
    add_students(world.campaign, world.econ, 40)
    students = list(Student.objects.filter(assigned_slot=world.slot_econ))
    for student in students[:5]:
        swipe(world, student)
    client.force_login(world.operator)
    client.get(shots_url(world))
    with django_assert_max_num_queries(12) as few:
        assert client.get(shots_url(world)).status_code == 200
    for student in students[5:]:
        swipe(world, student)
    with django_assert_max_num_queries(len(few)):
        html = client.get(shots_url(world)).content.decode()
    assert f'data-shot="{len(students)}"' in html


def test_void_and_requeue_from_the_list(client, world):  # noqa: F811
    first = swipe(world, world.econ_student).shot
    swipe(world, world.econ_student2)
    client.force_login(world.operator)
    response = client.post(reverse("capture_day:shot_void", args=[first.pk]), {"reason": "离开队伍"}, follow=True)
    html = response.content.decode()
    assert "拍摄号 1 已作废" in html and 'data-shot="1" data-status="left"' in html and "离开队伍" in html
    response = client.post(reverse("capture_day:shot_requeue", args=[first.pk]), {"reason": "回来了"}, follow=True)
    html = response.content.decode()
    assert "1 → 3" in html and 'data-shot="3" data-status="live"' in html
    assert set(AuditEvent.objects.filter(action__startswith="shot.").values_list("action", flat=True)) == {
        "shot.void",
        "shot.requeue",
    }


def test_a_missing_reason_or_a_second_void_is_told_not_a_500(client, world):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    client.force_login(world.operator)
    url = reverse("capture_day:shot_void", args=[shot.pk])
    html = client.post(url, {"reason": "   "}, follow=True).content.decode()
    assert "请填写原因" in html and Shot.objects.get().voided_at is None
    client.post(url, {"reason": "离开"})
    html = client.post(url, {"reason": "离开"}, follow=True).content.decode()
    assert "已经作废" in html


def test_another_groups_operator_cannot_touch_the_number(client, world):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    client.force_login(world.other_operator)
    for name in ("capture_day:shot_void", "capture_day:shot_requeue"):
        assert client.post(reverse(name, args=[shot.pk]), {"reason": "离开"}).status_code == 404
    client.force_login(world.counselor)
    assert client.post(reverse("capture_day:shot_void", args=[shot.pk]), {"reason": "离开"}).status_code == 403
    assert Shot.objects.get().status == "live" and not AuditEvent.objects.filter(action__startswith="shot.").exists()


# --- the export -----------------------------------------------------------------


def sheets(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def test_the_export_has_a_sheet_per_group_and_day_in_the_photographers_order(client, world):  # noqa: F811
    first = swipe(world, world.econ_student).shot
    swipe(world, world.econ_student2)
    swipe(world, world.civil_student, slot=world.slot_civil)
    client.force_login(world.staff)
    client.post(reverse("capture_day:shot_void", args=[first.pk]), {"reason": "离开队伍"})
    book = sheets(export_bytes(client, "shots", world.campaign.code))
    assert set(book) == {"11-26 金石滩第一组", "11-26 金石滩第二组"}
    header, *body = book["11-26 金石滩第一组"]
    assert header[:3] == ("拍摄号", "学号", "姓名")
    assert [row[:3] for row in body] == [
        (1, world.econ_student.student_no, "张三"),
        (2, world.econ_student2.student_no, "李四"),
    ]
    assert body[0][5:7] == ("已作废：离开队伍", "离开队伍") and body[1][5] == "有效"


def test_an_operator_exports_their_own_groups_only(client, world):  # noqa: F811
    swipe(world, world.econ_student)
    swipe(world, world.civil_student, slot=world.slot_civil)
    client.force_login(world.operator)
    book = sheets(export_bytes(client, "shots", world.campaign.code))
    assert set(book) == {"11-26 金石滩第一组"}


def test_an_operators_export_masks_student_numbers_staffs_shows_them_whole(client, world):  # noqa: F811
    swipe(world, world.econ_student)
    swipe(world, world.econ_student2)
    client.force_login(world.operator)
    _header, *body = sheets(export_bytes(client, "shots", world.campaign.code))["11-26 金石滩第一组"]
    assert [row[:3] for row in body] == [
        (1, mask_code(world.econ_student.student_no), "张三"),
        (2, mask_code(world.econ_student2.student_no), "李四"),
    ]
    for row, student in zip(body, (world.econ_student, world.econ_student2), strict=True):
        assert "*" in row[1] and student.student_no not in str(row)
    client.force_login(world.staff)
    _header, *body = sheets(export_bytes(client, "shots", world.campaign.code))["11-26 金石滩第一组"]
    assert [row[1] for row in body] == [world.econ_student.student_no, world.econ_student2.student_no]


def test_the_exports_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):  # noqa: F811
    from core.registries import exporters

    add_students(world.campaign, world.econ, 30)
    students = list(Student.objects.filter(assigned_slot=world.slot_econ))
    for student in students[:3]:
        swipe(world, student)
    export = exporters()["shots"].func
    with django_assert_max_num_queries(10) as few:
        export(campaign=world.campaign, user=world.operator, stream=io.BytesIO())
    for student in students[3:]:
        swipe(world, student)
    with django_assert_max_num_queries(len(few)):
        export(campaign=world.campaign, user=world.operator, stream=io.BytesIO())


# --- the sign-in sheet and the student's phone ------------------------------------


def test_the_signin_sheet_lists_the_numbers(client, world):  # noqa: F811
    swipe(world, world.econ_student2)
    swipe(world, world.econ_student)
    client.force_login(world.operator)
    html = client.get(reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])).content.decode()
    assert "拍摄号" in html
    # The operator's sheet masks the student numbers (issue 25); the coordinator's shows them whole.
    assert f'<td class="num" data-shot>2</td><td>{masked(world.econ_student.student_no)}</td>' in html
    assert f'<td class="num" data-shot>1</td><td>{masked(world.econ_student2.student_no)}</td>' in html
    assert f'<td class="num" data-shot></td><td>{masked(world.x_student.student_no)}</td>' in html
    assert world.econ_student.student_no not in html
    client.force_login(world.coordinator)
    html = client.get(reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])).content.decode()
    assert f'<td class="num" data-shot>2</td><td>{world.econ_student.student_no}</td>' in html


def test_the_student_sees_their_number_on_their_phone(client, world):  # noqa: F811
    client.force_login(world.student_user)
    assert 'data-testid="shot"' not in client.get("/").content.decode()
    swipe(world, world.econ_student2)
    shot = swipe(world, world.econ_student).shot
    html = client.get("/").content.decode()
    assert "拍摄号 2（金石滩第一组，11月26日）" in html
    client.force_login(world.operator)
    client.post(reverse("capture_day:shot_void", args=[shot.pk]), {"reason": "离开队伍"})
    client.force_login(world.student_user)
    assert "已作废：离开队伍" in client.get("/").content.decode()


def masked(student_no: str) -> str:
    """2017000123 as an operator sees it: 20******23."""
    return student_no[:2] + "*" * 6 + student_no[-2:]
