"""The offline desk's server side: one capture per nonce, the same answer again, the digest."""

import datetime
import hashlib
import hmac
import json
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from capture_day.digest import slot_digest, tag
from capture_day.models import DeskSwipe
from capture_day.results import Outcome
from capture_day.services import record_swipe, swipe_time
from sessions_app.idcard import make_id_number
from sessions_app.models import Capture, Student
from sessions_app.services import CaptureError
from tests.factories import CAPTURE_DAY, make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JSON = {"HTTP_ACCEPT": "application/json"}


def send(client, slot, code, nonce, swiped_at=""):
    data = {"code": code, "nonce": str(nonce), "swiped_at": swiped_at}
    return client.post(reverse("capture_day:desk_swipe", args=[slot.pk]), data, **JSON)


@pytest.fixture
def operator_client(client, world):  # noqa: F811
    client.force_login(world.operator)
    return client


# --- one nonce, one capture, one answer ---------------------------------------------


def test_a_swipe_sent_twice_is_one_capture_with_the_first_answer(operator_client, world):  # noqa: F811
    nonce = uuid.uuid4()
    first = send(operator_client, world.slot_econ, world.econ_student.id_number, nonce).json()
    again = send(operator_client, world.slot_econ, world.econ_student.id_number, nonce).json()
    assert first["outcome"] == again["outcome"] == "captured"  # not "already captured": it is the same swipe
    assert again["student"]["name"] == "张三"
    counts = operator_client.get(reverse("capture_day:desk_counts", args=[world.slot_econ.pk])).json()["counts"]
    assert counts["captured"] == 1
    assert Capture.objects.filter(student=world.econ_student).count() == 1
    assert DeskSwipe.objects.get(nonce=nonce).capture == Capture.objects.get(student=world.econ_student)
    # A new nonce for the same card is a second swipe: "already captured", still one capture.
    assert send(operator_client, world.slot_econ, world.econ_student.id_number, uuid.uuid4()).json()["outcome"] == (
        "already_captured"
    )
    assert Capture.objects.count() == 1


def test_resent_wrong_slot_and_stranger_keep_their_answers(operator_client, world):  # noqa: F811
    wrong, stranger = uuid.uuid4(), uuid.uuid4()
    code = make_id_number(area="110101", birth=datetime.date(2000, 2, 2), sequence=7)
    for _ in range(2):
        body = send(operator_client, world.slot_econ, world.cs_student.student_no, wrong).json()
        assert body["outcome"] == "wrong_slot" and "09:50-11:00" in body["expected_slot"]
        body = send(operator_client, world.slot_econ, code, stranger).json()
        assert body["outcome"] == "not_found" and "110***********" + code[-4:] in body["message"]
    assert Capture.objects.count() == 1 and Capture.objects.get().wrong_slot
    kept = DeskSwipe.objects.get(nonce=stranger)
    assert kept.code_hint == "110***********" + code[-4:] and code not in kept.code_hint  # never the whole number


def test_the_desks_time_is_kept_when_plausible(operator_client, world):  # noqa: F811
    then = timezone.now() - datetime.timedelta(minutes=40)
    send(operator_client, world.slot_econ, world.econ_student.student_no, uuid.uuid4(), then.isoformat())
    assert abs(Capture.objects.get().captured_at - then) < datetime.timedelta(seconds=1)
    now = timezone.now()
    assert swipe_time(now + datetime.timedelta(hours=3), now=now) == now  # a desk clock in the future
    assert swipe_time(now - datetime.timedelta(days=2), now=now) == now  # or days behind
    assert swipe_time(None, now=now) == now


def test_a_bad_nonce_is_a_clear_answer_not_a_500(operator_client, world):  # noqa: F811
    response = send(operator_client, world.slot_econ, world.econ_student.student_no, "not-a-uuid")
    assert response.status_code == 400 and "刷证编号无效" in response.json()["message"]
    response = send(operator_client, world.slot_econ, world.econ_student.student_no, uuid.uuid4(), "昨天")
    assert response.status_code == 400 and "刷证时间无效" in response.json()["message"]
    assert Capture.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_nonce_from_two_connections_at_once_is_one_capture(world):  # noqa: F811
    nonce = uuid.uuid4()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def desk():
        try:
            barrier.wait(timeout=10)
            result = record_swipe(
                campaign=world.campaign,
                slot=world.slot_econ,
                identifier=world.econ_student.id_number,
                operator=world.operator,
                nonce=nonce,
            )
            outcomes.append(result.outcome)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes == [Outcome.CAPTURED, Outcome.CAPTURED]  # both hear the one answer
    assert Capture.objects.filter(student=world.econ_student).count() == 1
    assert DeskSwipe.objects.filter(nonce=nonce).count() == 1


# --- the digest ------------------------------------------------------------------------


def test_the_digest_holds_no_identifier_or_name_in_clear(operator_client, world):  # noqa: F811
    response = operator_client.get(reverse("capture_day:desk_digest", args=[world.slot_econ.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    body = json.loads(text)
    students = list(Student.objects.filter(campaign=world.campaign))
    for student in students:
        for secret in (student.id_number, student.student_no, student.name, student.collection_code_hash):
            if secret:
                assert secret not in text, secret
        # Nor the numbers' telling parts: birth date and the last digits of the ID number.
        assert student.id_number[6:14] not in text and student.id_number[-6:] not in text
    assert "QR2021ABC" not in text
    on_slot = {s.pk for s in students if s.assigned_slot_id == world.slot_econ.pk}
    assert body["size"] == len(on_slot) == 3
    assert body["tag_chars"] == 3 and all(len(t) == 3 for t in [*body["ids"], *body["codes"]])
    # Every ID number of a student on this slot is found by its short tag, with initial and class only
    # (a shared tag would list each student's hint).
    for student in Student.objects.filter(pk__in=on_slot):
        for identifier in (student.id_number, f" {student.id_number.lower()} "):
            assert [student.name[0], student.class_name] in body["ids"][tag(body["key"], identifier)]
        # Student numbers are not in the digest: too few of them to hide behind any tag.
        assert tag(body["key"], student.student_no) not in body["ids"] or tag(body["key"], student.student_no) == tag(
            body["key"], student.id_number
        )
    assert body["by_id"] and body["by_student_no"]
    # A 采集码 is held as its keyed hash: the desk hashes the scan with code_key, then tags that
    # (what desk.js does); the scanner's line end goes, the case stays.
    scanned = hmac.new(bytes.fromhex(body["code_key"]), b"QR2021ABC", hashlib.sha256).hexdigest()
    assert body["codes"][tag(body["key"], scanned)] == [["王", "经管1702"]]
    assert len(body["codes"]) == 1
    assert tag(body["key"], world.cs_student.id_number) not in body["ids"]  # another slot's student


def test_the_digest_keeps_one_hint_per_student_of_a_shared_tag(world, monkeypatch):  # noqa: F811
    # Every tag the same: all three students of the slot share one bucket, each named once.
    monkeypatch.setattr("capture_day.digest.TAG_HEX_CHARS", 0)
    body = slot_digest(world.slot_econ)
    assert body["ids"] == {"": [["张", "经管1701"], ["李", "经管1702"], ["王", "经管1702"]]}


def test_a_student_on_two_digests_has_one_tag_and_operators_get_only_their_desks(client, world):  # noqa: F811
    # Moved to another slot after the first digest was taken: both digests say the same 12 bits
    # of the number (one key for all), never two independent tags that together single it out.
    before = slot_digest(world.slot_econ)
    Student.objects.filter(pk=world.econ_student.pk).update(assigned_slot=world.slot_cs)
    after = slot_digest(world.slot_cs)
    assert before["key"] == after["key"]
    number_tag = tag(before["key"], world.econ_student.id_number)
    assert ["张", "经管1701"] in before["ids"][number_tag] and ["张", "经管1701"] in after["ids"][number_tag]
    client.force_login(world.other_operator)
    assert client.get(reverse("capture_day:desk_digest", args=[world.slot_econ.pk])).status_code == 404
    client.force_login(world.coordinator)
    assert client.get(reverse("capture_day:desk_digest", args=[world.slot_econ.pk])).status_code == 403


def test_the_digest_costs_one_query_whatever_the_roster(world, django_assert_num_queries):  # noqa: F811
    with django_assert_num_queries(1):
        slot_digest(world.slot_econ)


def test_the_desk_page_brings_the_offline_pieces(operator_client, world):  # noqa: F811
    html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert reverse("capture_day:desk_digest", args=[world.slot_econ.pk]) in html
    assert 'id="offline-banner"' in html and "js/capture_day/hmac.js" in html
    labels = json.loads(html.split('id="desk-labels" type="application/json">')[1].split("</script>")[0])
    assert labels["offline_banner"] == {
        "one": "离线：已暂存 %(n)s 条，联网后自动上传",
        "other": "离线：已暂存 %(n)s 条，联网后自动上传",
    }
    operator_client.cookies["django_language"] = "en"
    html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    labels = json.loads(html.split('id="desk-labels" type="application/json">')[1].split("</script>")[0])
    assert labels["offline_banner"] == {
        "one": "Offline: %(n)s swipe stored, uploaded automatically when back online",
        "other": "Offline: %(n)s swipes stored, uploaded automatically when back online",
    }
    worker = operator_client.get(reverse("capture_day:desk_worker"))
    assert worker["Content-Type"].startswith("application/javascript") and b"caches.match" in worker.content


# --- issue 25: the digest only on the desk's days, the nonce bound, the logout ----------


def set_today(monkeypatch, day):
    monkeypatch.setattr("capture_day.services.desk_today", lambda: day)


@pytest.mark.parametrize("days", [-1, 1, 3 * 365])
def test_the_digest_is_refused_outside_the_desks_days(operator_client, world, monkeypatch, days):  # noqa: F811
    set_today(monkeypatch, CAPTURE_DAY + datetime.timedelta(days=days))
    response = operator_client.get(reverse("capture_day:desk_digest", args=[world.slot_econ.pk]))
    assert response.status_code == 410 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["code"] == "desk_closed" and "不开放" in body["message"]
    assert "key" not in body and "ids" not in body


def test_a_wider_window_serves_the_digest_and_says_how_long_to_keep_it(operator_client, world, monkeypatch):  # noqa: F811
    url = reverse("capture_day:desk_digest", args=[world.slot_econ.pk])
    with time_machine.travel(datetime.datetime(2020, 11, 26, 9, 0, tzinfo=SHANGHAI), tick=False):
        set_today(monkeypatch, CAPTURE_DAY)
        # On the capture day at 09:00: kept until the end of the day, 15 hours.
        assert operator_client.get(url).json()["ttl"] == 15 * 3600
        world.campaign.desk_window_days = 1
        world.campaign.save()
        set_today(monkeypatch, CAPTURE_DAY - datetime.timedelta(days=1))
        # The day before, opened by the window: kept to the end of the day after the capture day.
        assert operator_client.get(url).json()["ttl"] == (15 + 48) * 3600
        set_today(monkeypatch, CAPTURE_DAY + datetime.timedelta(days=2))
        assert operator_client.get(url).status_code == 410


def test_a_nonce_is_bound_to_its_desk_and_operator(client, world):  # noqa: F811
    """Another desk (or another operator) resending a nonce hears nothing of the first swipe."""
    nonce = uuid.uuid4()
    client.force_login(world.operator)
    assert send(client, world.slot_econ, world.econ_student.id_number, nonce).json()["student"]["name"] == "张三"
    # The same operator at another of their group's desks: refused, no student named.
    response = send(client, world.slot_cs, world.cs_student.id_number, nonce)
    assert response.status_code == 409
    body = response.json()
    assert body == {
        "outcome": "refused",
        "code": "nonce_reused",
        "message": "这条刷证记录属于另一个采集台或另一位操作员，本次未记录；请重新刷证",
    }
    # Another operator of the same group at the same desk.
    colleague = make_user(Role.OPERATOR)
    colleague.capture_groups.add(world.slot_econ.group)
    client.force_login(colleague)
    response = send(client, world.slot_econ, "anything", nonce)
    assert response.status_code == 409 and "张三" not in response.content.decode()
    # Nothing was written by either: one swipe, one capture, the first desk's.
    assert DeskSwipe.objects.get(nonce=nonce).slot == world.slot_econ
    assert list(Capture.objects.values_list("student__name", flat=True)) == ["张三"]
    # The first desk and operator resending it still get their answer.
    client.force_login(world.operator)
    assert send(client, world.slot_econ, world.econ_student.id_number, nonce).json()["outcome"] == "captured"


def test_a_reused_nonce_is_refused_by_the_service_too(world):  # noqa: F811
    nonce = uuid.uuid4()
    record_swipe(
        campaign=world.campaign,
        slot=world.slot_econ,
        identifier=world.econ_student.id_number,
        operator=world.operator,
        nonce=nonce,
    )
    with pytest.raises(CaptureError) as refused:
        record_swipe(
            campaign=world.campaign,
            slot=world.slot_econ,
            identifier=world.econ_student.id_number,
            operator=world.staff,
            nonce=nonce,
        )
    assert refused.value.code == "nonce_reused"
    assert DeskSwipe.objects.count() == 1 and Capture.objects.count() == 1


def test_logout_clears_the_browsers_caches_and_storage(client, world):  # noqa: F811
    client.force_login(world.operator)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code in (200, 302)
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    # And the session is over: the desk asks for a login again.
    assert client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).status_code == 302


def test_the_desk_page_marks_the_logout_and_brings_its_warning(operator_client, world):  # noqa: F811
    html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert "data-logout" in html
    labels = json.loads(html.split('id="desk-labels" type="application/json">')[1].split("</script>")[0])
    assert labels["logout_queued"]["other"].startswith("还有 %(n)s 条刷证没有上传")
    assert labels["offline_on_roster"] == "可能在本时段名单内（联网后确认）："
