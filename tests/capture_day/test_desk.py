import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from capture_day.results import Outcome
from capture_day.services import check_in
from sessions_app.idcard import make_id_number
from sessions_app.models import Capture, Student
from tests.desk_world import add_students
from tests.factories import make_slot

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def desk_counts(client, slot) -> dict:
    """The figures desk.js fetches after each answer (and polls)."""
    return client.get(reverse("capture_day:desk_counts", args=[slot.pk])).json()["counts"]


def swipe(client, slot, code):
    return client.post(reverse("capture_day:desk_swipe", args=[slot.pk]), {"code": code}, **JSON)


@pytest.fixture
def operator_client(client, world):  # noqa: F811
    client.force_login(world.operator)
    return client


# --- the desk page ----------------------------------------------------------


def test_desk_page_shows_slot_counts_and_focused_input(operator_client, world):  # noqa: F811
    response = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "金石滩第一组" in html and "08:30-09:50" in html
    assert 'id="swipe-code"' in html and "autofocus" in html and 'autocomplete="off"' in html
    # three 经管 students are expected at 08:30, none captured yet
    assert '<span id="count-captured">0</span> / <span id="count-expected">3</span>' in html
    assert "经济管理学院：0 / 3" in html
    assert "js/capture_day/desk.js" in html


def test_desk_index_lists_only_the_operators_slots(operator_client, world):  # noqa: F811
    html = operator_client.get(reverse("capture_day:desk_index")).content.decode()
    assert reverse("capture_day:desk", args=[world.slot_econ.pk]) in html
    assert reverse("capture_day:desk", args=[world.slot_cs.pk]) in html
    assert reverse("capture_day:desk", args=[world.slot_civil.pk]) not in html


def test_staff_desk_index_lists_every_slot(client, world):  # noqa: F811
    client.force_login(world.staff)
    html = client.get(reverse("capture_day:desk_index")).content.decode()
    for slot in (world.slot_econ, world.slot_cs, world.slot_civil):
        assert reverse("capture_day:desk", args=[slot.pk]) in html


# --- the four answers -------------------------------------------------------


def test_swipe_captures_and_answers_without_the_numbers(operator_client, world):  # noqa: F811
    student = world.econ_student
    response = swipe(operator_client, world.slot_econ, student.id_number)
    assert response.status_code == 200
    data = response.json()
    assert data["outcome"] == Outcome.CAPTURED
    assert data["message"] == "采集成功"
    assert data["student"]["name"] == "张三"
    assert data["student"]["college"] == "经济管理学院"
    assert data["student"]["class_name"] == "经管1701"
    body = response.content.decode()
    assert "masked_id" not in data["student"]
    assert student.id_number[:6] not in body and student.id_number[-4:] not in body  # no digit of it
    assert data["student"]["student_no"] == "20******" + student.student_no[-2:]
    # The counts are not in the swipe's answer (each swipe would pay a query for them): the desk
    # fetches them right after, from desk_counts.
    assert "counts" not in data
    counts = desk_counts(operator_client, world.slot_econ)
    assert counts["captured"] == 1 and counts["expected"] == 3
    capture = Capture.objects.get(student=student)
    assert capture.slot == world.slot_econ and capture.captured_by == world.operator and not capture.wrong_slot
    assert capture.method == "id_card"
    assert AuditEvent.objects.filter(action="capture.record", object_id=str(capture.pk)).exists()


def test_second_swipe_says_already_captured_and_adds_nothing(operator_client, world):  # noqa: F811
    swipe(operator_client, world.slot_econ, world.econ_student.id_number)
    data = swipe(operator_client, world.slot_econ, world.econ_student.id_number).json()
    assert data["outcome"] == Outcome.ALREADY
    assert "已于" in data["message"] and "未重复记录" in data["message"]
    assert data["student"]["name"] == "张三"
    assert desk_counts(operator_client, world.slot_econ)["captured"] == 1
    assert Capture.objects.filter(student=world.econ_student).count() == 1


def test_wrong_slot_is_captured_flagged_and_names_the_real_slot(operator_client, world):  # noqa: F811
    data = swipe(operator_client, world.slot_econ, world.cs_student.id_number).json()
    assert data["outcome"] == Outcome.WRONG_SLOT
    assert data["student"]["name"] == "赵六"
    assert "09:50-11:00" in data["expected_slot"] and "金石滩第一组" in data["expected_slot"]
    counts = desk_counts(operator_client, world.slot_econ)
    assert counts["wrong_slot_here"] == 1
    # the 经管 slot's own figures are untouched: 赵六 is expected elsewhere
    assert counts["captured"] == 0 and counts["expected"] == 3
    capture = Capture.objects.get(student=world.cs_student)
    assert capture.wrong_slot and capture.slot == world.slot_econ


def test_student_without_a_slot_is_captured_and_flagged(operator_client, world):  # noqa: F811
    Student.objects.filter(pk=world.econ_student.pk).update(assigned_slot=None, slot_status="unmatched")
    data = swipe(operator_client, world.slot_econ, world.econ_student.id_number).json()
    assert data["outcome"] == Outcome.WRONG_SLOT
    assert data["expected_slot"] == "未分配时段（请联系教务处）"
    assert Capture.objects.get(student=world.econ_student).wrong_slot


def test_unknown_number_records_nothing_and_says_so(operator_client, world):  # noqa: F811
    import datetime

    stranger = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    response = swipe(operator_client, world.slot_econ, stranger)
    data = response.json()
    assert data["outcome"] == Outcome.NOT_FOUND
    assert "名单中没有此人" in data["message"]
    assert "student" not in data
    assert stranger not in response.content.decode()  # masked even when nobody matches
    assert Capture.objects.count() == 0


def test_student_number_and_collection_code_work(operator_client, world):  # noqa: F811
    by_number = swipe(operator_client, world.slot_econ, world.econ_student2.student_no).json()
    assert by_number["outcome"] == Outcome.CAPTURED and by_number["student"]["name"] == "李四"
    # A scanner's line end is dropped; case is kept (a QR payload, unlike an ID number, is case-sensitive).
    assert swipe(operator_client, world.slot_econ, "qr2021abc").json()["outcome"] == Outcome.NOT_FOUND
    by_code = swipe(operator_client, world.slot_econ, "QR2021ABC\r\n").json()
    assert by_code["outcome"] == Outcome.CAPTURED and by_code["student"]["name"] == "王五"
    methods = dict(Capture.objects.values_list("student__name", "method"))
    assert methods == {"李四": "student_no", "王五": "collection_code"}


def test_full_width_digits_spaces_and_lowercase_x_are_normalised(operator_client, world):  # noqa: F811
    number = world.x_student.id_number
    assert number.endswith("X")
    full_width = " ".join(chr(ord(ch) + 0xFEE0) for ch in number[:-1].lower()) + "ｘ"
    data = swipe(operator_client, world.slot_econ, full_width).json()
    assert data["outcome"] == Outcome.CAPTURED and data["student"]["name"] == "王五"
    again = swipe(operator_client, world.slot_econ, number[:-1] + "x").json()
    assert again["outcome"] == Outcome.ALREADY


@pytest.mark.parametrize("code", ["", "   ", "9" * 1025])
def test_empty_or_overlong_input_is_refused_with_a_message(operator_client, world, code):  # noqa: F811
    response = swipe(operator_client, world.slot_econ, code)
    assert response.status_code == 400
    data = response.json()
    assert data["outcome"] == Outcome.INVALID and data["message"]
    assert Capture.objects.count() == 0


def test_swipe_without_javascript_answers_on_the_page(operator_client, world):  # noqa: F811
    url = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    response = operator_client.post(url, {"code": world.econ_student.student_no}, follow=True)
    assert response.status_code == 200
    assert "张三：采集成功" in response.content.decode()


def test_swipe_needs_csrf_token(world):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    response = swipe(client, world.slot_econ, world.econ_student.id_number)
    assert response.status_code == 403
    assert Capture.objects.count() == 0


def test_swipe_is_post_only(operator_client, world):  # noqa: F811
    url = reverse("capture_day:desk_swipe", args=[world.slot_econ.pk])
    assert operator_client.get(url, {"code": world.econ_student.id_number}).status_code == 405
    assert Capture.objects.count() == 0


def test_counts_endpoint_reports_live_figures(operator_client, world):  # noqa: F811
    swipe(operator_client, world.slot_econ, world.econ_student.id_number)
    swipe(operator_client, world.slot_econ, world.cs_student.id_number)
    counts = operator_client.get(reverse("capture_day:desk_counts", args=[world.slot_econ.pk])).json()["counts"]
    assert counts == {
        "expected": 3,
        "captured": 1,
        "wrong_slot_here": 1,
        "by_college": [{"name": "经济管理学院", "expected": 3, "captured": 1}],
    }


def test_recent_swipes_appear_on_the_desk_page(operator_client, world):  # noqa: F811
    swipe(operator_client, world.slot_econ, world.econ_student.id_number)
    swipe(operator_client, world.slot_econ, world.cs_student.id_number)
    html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert "张三" in html and "赵六" in html
    assert "recent-item outcome-wrong_slot" in html
    assert html.count("data-undo-url") == 2  # their own swipes, within DESK_UNDO_MINUTES
    assert '<strong id="count-wrong">1</strong>' in html


# --- who may run which desk --------------------------------------------------


def test_operator_cannot_open_or_swipe_at_another_groups_desk(client, world):  # noqa: F811
    client.force_login(world.operator)
    other = world.slot_civil
    assert client.get(reverse("capture_day:desk", args=[other.pk])).status_code == 404
    assert client.get(reverse("capture_day:desk_counts", args=[other.pk])).status_code == 404
    assert swipe(client, other, world.civil_student.id_number).status_code == 404
    assert client.get(reverse("capture_day:desk", args=[999999])).status_code == 404
    assert Capture.objects.count() == 0


@pytest.mark.parametrize("role", ["coordinator", "counselor", "student_user"])
def test_other_roles_cannot_use_a_desk(client, world, role):  # noqa: F811
    client.force_login(getattr(world, role))
    assert client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).status_code == 403
    assert swipe(client, world.slot_econ, world.econ_student.id_number).status_code == 403
    assert client.get(reverse("capture_day:desk_index")).status_code == 403
    assert Capture.objects.count() == 0


def test_anonymous_is_sent_to_login(client, world):  # noqa: F811
    response = swipe(client, world.slot_econ, world.econ_student.id_number)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert Capture.objects.count() == 0


# --- undo -------------------------------------------------------------------


def _undo(client, capture, reason, **extra):
    return client.post(reverse("capture_day:capture_undo", args=[capture.pk]), {"reason": reason}, **extra)


def test_staff_undo_with_reason_frees_the_student_and_is_audited(client, world):  # noqa: F811
    client.force_login(world.staff)
    data = swipe(client, world.slot_econ, world.econ_student.id_number).json()
    assert data["undo_url"] == reverse("capture_day:capture_undo", args=[data["capture_id"]])
    capture = Capture.objects.get(pk=data["capture_id"])
    response = _undo(client, capture, "刷错了人", **JSON)
    assert response.status_code == 200
    assert response.json()["counts"]["captured"] == 0
    capture.refresh_from_db()
    assert capture.undone_at is not None and capture.undone_by == world.staff and capture.undo_reason == "刷错了人"
    event = AuditEvent.objects.get(action="capture.undo")
    assert event.actor == world.staff and event.data["reason"] == "刷错了人"
    # the student can now be captured again
    assert swipe(client, world.slot_econ, world.econ_student.id_number).json()["outcome"] == Outcome.CAPTURED


def test_undo_needs_a_reason(client, world):  # noqa: F811
    client.force_login(world.staff)
    capture_id = swipe(client, world.slot_econ, world.econ_student.id_number).json()["capture_id"]
    capture = Capture.objects.get(pk=capture_id)
    response = _undo(client, capture, "   ", **JSON)
    assert response.status_code == 400
    assert "原因" in response.json()["message"]
    capture.refresh_from_db()
    assert capture.undone_at is None
    assert not AuditEvent.objects.filter(action="capture.undo").exists()


def test_undo_twice_is_refused(client, world):  # noqa: F811
    client.force_login(world.staff)
    capture = Capture.objects.get(pk=swipe(client, world.slot_econ, world.econ_student.id_number).json()["capture_id"])
    assert _undo(client, capture, "重复", **JSON).status_code == 200
    response = _undo(client, capture, "再来一次", **JSON)
    assert response.status_code == 409 and "已经撤销" in response.json()["message"]


@pytest.mark.parametrize("role", ["other_operator", "coordinator", "counselor", "student_user"])
def test_only_staff_and_the_swiping_operator_can_undo(client, world, role):  # noqa: F811
    result = check_in(
        campaign=world.campaign, slot=world.slot_econ, identifier=world.econ_student.id_number, operator=world.operator
    )
    client.force_login(getattr(world, role))
    # Another desk's operator does not even see the capture; the other roles are refused.
    assert _undo(client, result.capture, "想撤销", **JSON).status_code in (403, 404)
    result.capture.refresh_from_db()
    assert result.capture.undone_at is None


def test_staff_desk_offers_undo_on_recent_swipes(client, world):  # noqa: F811
    client.force_login(world.staff)
    capture_id = swipe(client, world.slot_econ, world.econ_student.id_number).json()["capture_id"]
    html = client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert f'data-undo-url="{reverse("capture_day:capture_undo", args=[capture_id])}"' in html


def test_undo_from_the_student_page_redirects_back_with_a_message(client, world):  # noqa: F811
    client.force_login(world.staff)
    capture_id = swipe(client, world.slot_econ, world.econ_student.id_number).json()["capture_id"]
    detail = reverse("sessions_app:student_detail", args=[world.econ_student.pk])
    response = client.post(
        reverse("capture_day:capture_undo", args=[capture_id]), {"reason": "照片不合格", "next": detail}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == detail
    assert "已撤销 张三 的采集记录" in html and "照片不合格" in html


def test_undo_ignores_an_offsite_next(client, world):  # noqa: F811
    client.force_login(world.staff)
    capture_id = swipe(client, world.slot_econ, world.econ_student.id_number).json()["capture_id"]
    response = client.post(
        reverse("capture_day:capture_undo", args=[capture_id]), {"reason": "x", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("sessions_app:student_detail", args=[world.econ_student.pk])


# --- cost -------------------------------------------------------------------


def test_desk_page_query_count_does_not_grow_with_captures(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.operator)
    url = reverse("capture_day:desk", args=[world.slot_econ.pk])
    for student in add_students(world.campaign, world.econ, 5):
        swipe(client, world.slot_econ, student.student_no)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    baseline = len(few)
    for student in add_students(world.campaign, world.econ, 45):
        swipe(client, world.slot_econ, student.student_no)
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_desk_index_query_count_does_not_grow_with_slots(client, world, django_assert_max_num_queries):  # noqa: F811
    from tests.factories import make_audience

    client.force_login(world.staff)
    url = reverse("capture_day:desk_index")
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    baseline = len(few)
    for hour in range(12, 22):
        slot = make_slot(world.campaign, group="金石滩第三组", start=f"{hour}:00", end=f"{hour}:50")
        make_audience(slot, college=world.civil)
        make_audience(slot, college=world.cs, sequence=1)
    with django_assert_max_num_queries(baseline):
        html = client.get(url).content.decode()
    assert html.count("打开采集台") == 13


def test_swipe_query_count_does_not_grow_with_the_roster(operator_client, world, django_assert_max_num_queries):  # noqa: F811
    # The absolute figure includes the charge and the verification clock check_in posts with the capture.
    with django_assert_max_num_queries(40) as few:
        assert swipe(operator_client, world.slot_econ, world.econ_student.id_number).json()["outcome"] == "captured"
    baseline = len(few)
    # Only the added students: a slice of an unordered queryset may hold econ_student2 (it did once
    # in the whole PostgreSQL suite), and the last swipe must be its first.
    for student in add_students(world.campaign, world.econ, 50)[:40]:
        swipe(operator_client, world.slot_econ, student.student_no)
    with django_assert_max_num_queries(baseline):
        assert swipe(operator_client, world.slot_econ, world.econ_student2.id_number).json()["outcome"] == "captured"


# --- two desks, one student, same instant (PostgreSQL row locks) -----------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_swiping_the_same_student_at_once_record_one_capture(world):  # noqa: F811
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def desk(operator):
        try:
            barrier.wait(timeout=10)
            result = check_in(
                campaign=world.campaign,
                slot=world.slot_econ,
                identifier=world.econ_student.id_number,
                operator=operator,
            )
            outcomes.append(result.outcome)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=desk, args=(op,)) for op in (world.operator, world.staff)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == sorted([Outcome.CAPTURED, Outcome.ALREADY])
    assert Capture.objects.filter(student=world.econ_student).count() == 1


# --- the operator's own mistake ---------------------------------------------


def test_operator_undoes_their_own_wrong_swipe_and_the_desk_shows_it(operator_client, world):  # noqa: F811
    data = swipe(operator_client, world.slot_econ, world.econ_student.id_number).json()
    assert data["undo_url"] == reverse("capture_day:capture_undo", args=[data["capture_id"]])
    capture = Capture.objects.get(pk=data["capture_id"])
    response = _undo(operator_client, capture, "刷错卡：拿了同学的身份证", **JSON)
    assert response.status_code == 200 and response.json()["counts"]["captured"] == 0
    event = AuditEvent.objects.get(action="capture.undo")
    assert event.actor == world.operator and event.data["reason"] == "刷错卡：拿了同学的身份证"
    html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert "已撤销：刷错卡：拿了同学的身份证" in html
    assert "data-undo-url" not in html


def test_operator_undo_window_closes(operator_client, world, settings):  # noqa: F811
    import datetime

    settings.DESK_UNDO_MINUTES = 5
    capture_id = swipe(operator_client, world.slot_econ, world.econ_student.id_number).json()["capture_id"]
    Capture.objects.filter(pk=capture_id).update(
        captured_at=Capture.objects.get(pk=capture_id).captured_at - datetime.timedelta(minutes=6)
    )
    html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert "data-undo-url" not in html
    response = _undo(operator_client, Capture.objects.get(pk=capture_id), "刷错了", **JSON)
    assert response.status_code == 403 and "已超过 5 分钟" in response.json()["message"]
    assert Capture.objects.get(pk=capture_id).undone_at is None
