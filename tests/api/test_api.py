"""The read-only API as a consumer sees it: scopes, revocation, cursors, throttling, errors."""

import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent, Role
from api.errors import ApiError
from api.models import ApiToken, Scope
from api.services import create_token, revoke_token
from capture_day.services import check_in
from retakes.models import Channel, Reason
from retakes.services import create_request
from tests.factories import make_student, make_user

from .conftest import auth

pytestmark = pytest.mark.django_db

STUDENTS = "/api/v1/campaigns/c2021/students"
CHANGES = "/api/v1/campaigns/c2021/changes"
COLLEGES = "/api/v1/campaigns/c2021/colleges"


def capture(world, student, staff):
    result = check_in(campaign=world["campaign"], slot=world["slot"], identifier=student.student_no, operator=staff)
    assert result.outcome in ("captured", "wrong_slot"), result
    return result


def get(client, url, key, **params):
    response = client.get(url, params, **auth(key))
    return response, response.json()


# --- scopes ------------------------------------------------------------------


def test_a_token_without_the_id_scope_never_sees_an_id_number(client, world, make_token, staff):
    capture(world, world["students"][0], staff)
    scopes = [s for s in Scope.values if s != Scope.ID_NUMBER]
    _token, key = make_token([world["campaign"]], scopes)
    bodies = [client.get(url, **auth(key)).content.decode() for url in (STUDENTS, CHANGES, COLLEGES)]
    rows = json.loads(bodies[0])["results"]
    assert [r["student_no"] for r in rows] == [s.student_no for s in world["students"]]
    assert all("id_number" not in r for r in rows)
    for student in world["students"]:
        assert all(student.id_number not in body for body in bodies)
        # not even the part a masked number would show
        assert all(student.id_number[-4:] + '"' not in body for body in bodies)


def test_the_id_scope_adds_the_whole_id_number_and_the_audit_says_so(client, world, make_token):
    _token, key = make_token([world["campaign"]], [Scope.ID_NUMBER])
    _response, body = get(client, STUDENTS, key)
    assert [r["id_number"] for r in body["results"]] == [s.id_number for s in world["students"]]
    assert set(body["results"][0]) == {"id", "student_no", "id_number"}  # no roster scope: no name
    event = AuditEvent.objects.get(action="api.read")
    assert event.data["id_numbers"] is True and event.data["rows"] == 5 and event.campaign == world["campaign"]
    assert "含身份证号" in event.summary


def test_another_campaigns_token_sees_nothing(client, world, make_token):
    _token, key = make_token([world["other"]])
    for url in (STUDENTS, CHANGES, COLLEGES, f"{COLLEGES}/{world['college'].pk}"):
        response, body = get(client, url, key)
        assert response.status_code == 404
        assert body["error"]["code"] == "campaign_not_found"
        assert not any(s.student_no in response.content.decode() for s in world["students"])
    _response, body = get(client, "/api/v1/campaigns", key)
    assert [c["code"] for c in body["results"]] == ["c2022"]
    _response, body = get(client, "/api/v1/campaigns/c2022/students", key)
    assert [r["student_no"] for r in body["results"]] == [world["stranger"].student_no]


def test_a_student_row_carries_each_granted_state(client, world, make_token, staff):
    first, second = world["students"][:2]
    capture(world, first, staff)
    create_request(student=second, actor=staff, reason=Reason.INTERNSHIP, channel=Channel.LOCAL_XINHUA)
    _token, key = make_token([world["campaign"]])
    _response, body = get(client, STUDENTS, key)
    rows = {r["student_no"]: r for r in body["results"]}
    one = rows[first.student_no]
    assert one["name"] == first.name and one["college"]["name"] == "计算机科学与工程学院"
    assert one["capture"]["captured"] is True and one["capture"]["shot_number"] == 1
    assert one["capture"]["shot_status"] == "live" and one["capture"]["group"] == "金石滩第一组"
    assert one["fee"] == {"charged": "17.00", "paid": "0.00", "waived": "0.00", "balance": "17.00"}
    assert one["verification"]["status"] == "pending" and one["verification"]["due_date"]
    assert one["retake"] is None
    two = rows[second.student_no]
    assert two["capture"] == {"captured": False}
    assert two["fee"] is None and two["verification"] == {"status": "not_captured"}
    assert two["retake"]["status"] == "requested" and two["retake"]["channel"] == "local_xinhua"


def test_only_the_granted_groups_are_in_a_row(client, world, make_token, staff):
    capture(world, world["students"][0], staff)
    _token, key = make_token([world["campaign"]], [Scope.CAPTURE])
    _response, body = get(client, STUDENTS, key)
    assert set(body["results"][0]) == {"id", "student_no", "capture"}
    _response, body = get(client, CHANGES, key)
    assert {c["type"] for c in body["results"]} == {"capture.recorded", "shot.assigned"}  # no fee, no verification


# --- tokens ------------------------------------------------------------------


def test_a_revoked_token_is_refused(client, world, make_token, staff):
    token, key = make_token([world["campaign"]])
    assert client.get(STUDENTS, **auth(key)).status_code == 200
    revoke_token(actor=staff, token=token)
    response, body = get(client, STUDENTS, key)
    assert response.status_code == 401 and body["error"]["code"] == "token_revoked"
    with pytest.raises(ApiError) as refused:
        revoke_token(actor=staff, token=token)
    assert refused.value.code == "already_revoked"
    assert AuditEvent.objects.filter(action="api.token_revoke").count() == 1


def test_only_staff_make_or_revoke_tokens(world, make_token):
    coordinator = make_user(Role.COORDINATOR)
    with pytest.raises(ApiError) as refused:
        create_token(actor=coordinator, name="x", campaigns=[world["campaign"]], scopes=[Scope.ROSTER])
    assert refused.value.code == "staff_only"
    assert not ApiToken.objects.exists()
    token, _key = make_token([world["campaign"]])
    with pytest.raises(ApiError) as refused:
        revoke_token(actor=coordinator, token=token)
    assert refused.value.code == "staff_only"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_key_is_stored_only_as_a_hash(world, make_token):
    token, key = make_token([world["campaign"]])
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert key not in json.dumps(stored, default=str)
    assert key.split(".")[1] not in json.dumps(list(AuditEvent.objects.values("data")), default=str)
    assert token.prefix in key


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "missing_token"),
        ("Token abc", "missing_token"),
        ("Bearer pc_nothere.abc", "invalid_token"),
    ],
)
def test_a_missing_or_unknown_token_is_refused_with_a_code(client, world, header, code):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(STUDENTS, **extra)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_the_right_prefix_with_a_wrong_secret_is_refused(client, world, make_token):
    _token, key = make_token([world["campaign"]])
    response, body = get(client, STUDENTS, key[:-2] + "xx")
    assert response.status_code == 401 and body["error"]["code"] == "invalid_token"


def test_each_token_is_throttled_with_retry_after(client, world, make_token):
    _token, key = make_token([world["campaign"]], rate_per_minute=2)
    other_token, other_key = make_token([world["campaign"]], rate_per_minute=2)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, 0, 15, tzinfo=datetime.UTC), tick=False):
        assert [client.get(STUDENTS, **auth(key)).status_code for _ in range(2)] == [200, 200]
        response, body = get(client, STUDENTS, key)
        assert response.status_code == 429 and body["error"]["code"] == "throttled"
        assert response["Retry-After"] == "45"
        assert client.get(STUDENTS, **auth(other_key)).status_code == 200  # per token, not per server
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, 1, 0, tzinfo=datetime.UTC), tick=False):
        assert client.get(STUDENTS, **auth(key)).status_code == 200


# --- cursors -----------------------------------------------------------------


def test_student_pages_neither_skip_nor_repeat_while_captures_are_added(client, world, make_token, staff):
    _token, key = make_token([world["campaign"]])
    seen = []
    cursor = None
    captured = iter(world["students"][::-1])  # captures land on rows before and after the cursor
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        _response, body = get(client, STUDENTS, key, **params)
        seen += [r["student_no"] for r in body["results"]]
        capture(world, next(captured), staff)
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [s.student_no for s in world["students"]]


def test_change_pages_neither_skip_nor_repeat_while_captures_are_added(client, world, make_token, staff):
    students = world["students"]
    _token, key = make_token([world["campaign"]], [Scope.CAPTURE])
    start = datetime.datetime(2020, 11, 26, 1, 0, tzinfo=datetime.UTC)
    served = []
    cursor = None
    with time_machine.travel(start, tick=False) as clock:
        for student in students[:3]:
            capture(world, student, staff)
            clock.shift(1)
        waiting = iter(students[3:])
        for _ in range(20):
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            _response, body = get(client, CHANGES, key, **params)
            served += [(c["type"], c["student_no"]) for c in body["results"]]
            cursor = body["next"]
            student = next(waiting, None)
            if student is not None:
                capture(world, student, staff)
            clock.shift(1)
            if not body["has_more"] and student is None:
                break
        _response, body = get(client, CHANGES, key, cursor=cursor)
        assert body["results"] == [] and body["has_more"] is False
    assert len(served) == len(set(served))
    expected = {(kind, s.student_no) for s in students for kind in ("capture.recorded", "shot.assigned")}
    assert set(served) == expected


def test_a_change_waits_for_the_settling_time(client, world, make_token, staff, settings):
    settings.API_CHANGES_SETTLE_SECONDS = 120
    _token, key = make_token([world["campaign"]], [Scope.CAPTURE])
    start = datetime.datetime(2020, 11, 26, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        capture(world, world["students"][0], staff)
        _response, body = get(client, CHANGES, key)
        assert body["results"] == []
        cursor = body["next"]
        clock.shift(121)
        _response, body = get(client, CHANGES, key, cursor=cursor)
        assert [c["type"] for c in body["results"]] == ["capture.recorded", "shot.assigned"]


def test_an_undo_and_a_fee_change_come_as_changes(client, world, make_token, staff):
    from capture_day.services import undo_check_in

    student = world["students"][0]
    _token, key = make_token([world["campaign"]], [Scope.CAPTURE, Scope.FEES, Scope.VERIFICATION])
    start = datetime.datetime(2020, 11, 26, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        result = capture(world, student, staff)
        _response, body = get(client, CHANGES, key)
        cursor = body["next"]
        clock.shift(5)
        from sessions_app.models import Capture

        undo_check_in(capture=Capture.objects.get(student=student), actor=staff, reason="刷错了")
        clock.shift(1)
        _response, body = get(client, CHANGES, key, cursor=cursor)
    kinds = {c["type"]: c for c in body["results"]}
    assert kinds["capture.undone"]["capture"]["captured"] is False
    assert kinds["fee.changed"]["fee"]["balance"] == "0.00"
    assert kinds["verification.changed"]["verification"] == {"status": "not_captured"}
    assert result.outcome == "captured"


# --- summaries ---------------------------------------------------------------


def test_a_colleges_summary(client, world, make_token, staff):
    for student in world["students"][:2]:
        capture(world, student, staff)
    _token, key = make_token([world["campaign"]])
    response, body = get(client, f"{COLLEGES}/{world['college'].pk}", key)
    assert response.status_code == 200
    assert body["roster"] == 5 and body["captured"] == 2
    assert body["fees"]["expected"] == "34.00" and body["fees"]["unpaid_count"] == 2
    assert body["verification"]["pending"] == 2
    _response, page = get(client, COLLEGES, key)
    assert page["results"] == [body] and page["next"] is None
    response, body = get(client, f"{COLLEGES}/999999", key)
    assert response.status_code == 404 and body["error"]["code"] == "college_not_found"


# --- errors and schema --------------------------------------------------------


@pytest.mark.parametrize(
    "url, params, status, code",
    [
        (STUDENTS, {"cursor": "made-up"}, 400, "bad_cursor"),
        (STUDENTS, {"limit": 5000}, 400, "bad_limit"),
        (STUDENTS, {"limit": "many"}, 400, "invalid_parameter"),
        (CHANGES, {"cursor": "x"}, 400, "bad_cursor"),
        ("/api/v1/no/such/thing", {}, 404, "not_found"),
    ],
)
def test_errors_are_json_with_codes(client, world, make_token, url, params, status, code):
    _token, key = make_token([world["campaign"]])
    response, body = get(client, url, key, **params)
    assert response.status_code == status
    assert body["error"]["code"] == code and body["error"]["message"]


def test_a_cursor_of_one_list_is_refused_by_another(client, world, make_token):
    _token, key = make_token([world["campaign"], world["other"]])
    _response, body = get(client, STUDENTS, key, limit=1)
    response, error = get(client, "/api/v1/campaigns/c2022/students", key, cursor=body["next"])
    assert response.status_code == 400 and error["error"]["code"] == "bad_cursor"


def test_the_openapi_schema_is_served(client, world):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/campaigns/{code}/students" in schema["paths"]
    assert "/api/v1/campaigns/{code}/changes" in schema["paths"]
    assert schema["components"]["securitySchemes"]
    student = schema["components"]["schemas"]["StudentRow"]["properties"]
    assert {"id_number", "capture", "fee", "verification", "retake"} <= set(student)


def test_ping_answers_who_the_token_is_and_is_not_audited(client, world, make_token):
    _token, key = make_token([world["campaign"]], [Scope.ROSTER])
    response, body = get(client, "/api/v1/ping", key)
    assert response.status_code == 200 and body == {"ok": True, "name": "学籍系统", "scopes": ["roster"]}
    assert not AuditEvent.objects.filter(action="api.read").exists()


def test_every_read_is_audited_and_last_use_noted(client, world, make_token):
    token, key = make_token([world["campaign"]], [Scope.ROSTER])
    get(client, STUDENTS, key)
    get(client, COLLEGES, key)
    events = list(AuditEvent.objects.filter(action="api.read").order_by("id"))
    assert [(e.data["endpoint"], e.data["rows"], e.data["id_numbers"]) for e in events] == [
        ("students", 5, False),
        ("colleges", 1, False),
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at <= timezone.now()


# --- query counts ------------------------------------------------------------


def _grow(world, staff, n):
    students = [make_student(world["campaign"], world["college"]) for _ in range(n)]
    for i, student in enumerate(students):
        if i % 2 == 0:
            capture(world, student, staff)
        if i % 5 == 0:
            create_request(student=student, actor=staff, reason=Reason.ABROAD, channel=Channel.PROXY)
    return students


def _count(client, url, key, limit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"limit": limit}, **auth(key))
    assert response.status_code == 200
    assert len(response.json()["results"]) >= limit or url == COLLEGES
    return len(queries)


def test_query_counts_are_flat_with_page_size(client, world, make_token, staff):
    _token, key = make_token([world["campaign"]])
    client.get(STUDENTS, **auth(key))  # notes the token's last use (at most once a minute): not measured
    _grow(world, staff, 5)
    small = {url: _count(client, url, key, 10) for url in (STUDENTS, CHANGES, COLLEGES)}
    _grow(world, staff, 100)
    large = {url: _count(client, url, key, 100) for url in (STUDENTS, CHANGES, COLLEGES)}
    assert large == small
    assert small[STUDENTS] <= 9  # token, campaign, 6 reads, the audit row


def test_a_voided_shot_number_comes_as_a_change(client, world, make_token, staff):
    from sessions_app.models import Shot
    from sessions_app.services import void_shot

    _token, key = make_token([world["campaign"]], [Scope.CAPTURE])
    start = datetime.datetime(2020, 11, 26, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        capture(world, world["students"][0], staff)
        _response, body = get(client, CHANGES, key)
        clock.shift(10)
        void_shot(shot=Shot.objects.get(), actor=staff, reason="离开队伍")
        clock.shift(1)
        _response, body = get(client, CHANGES, key, cursor=body["next"])
    assert [(c["type"], c["capture"]["shot_number"], c["capture"]["shot_status"]) for c in body["results"]] == [
        ("shot.voided", 1, "left")
    ]
