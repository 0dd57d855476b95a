"""Reads for the API. Every list is a keyset page (WHERE position > cursor ORDER BY position
LIMIT n) with a fixed number of queries whatever the page size; the rules of each state come
from the app that owns it (fees' cached totals, verification.selectors.record_state, the newest
retake request from retakes.selectors, the counts from each app's summary selectors)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from fees.models import FeeAccount
from fees.selectors import reconciliation
from retakes.models import RetakeRequest
from retakes.selectors import latest_requests, status_counts_by_college
from sessions_app.models import Campaign, Capture, College, Shot, Student, parse_capture_dates
from sessions_app.selectors import college_counts
from verification.models import VerificationRecord
from verification.selectors import college_progress, record_state

from . import cursors
from .errors import ApiError
from .models import ApiToken, Scope

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


def clamp_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise ApiError.of("bad_limit", max=MAX_LIMIT)
    return limit


# --- campaigns ---------------------------------------------------------------


def token_campaigns(token: ApiToken) -> QuerySet[Campaign]:
    return Campaign.objects.filter(api_tokens=token)


def token_campaign(token: ApiToken, code: str) -> Campaign:
    """The campaign if this token may read it. Another campaign is "not found", the same answer
    as a campaign that does not exist: a token learns nothing about what it was not given."""
    campaign = token_campaigns(token).filter(code=code).first()
    if campaign is None:
        raise ApiError.of("campaign_not_found")
    return campaign


def campaign_page(token: ApiToken, *, cursor: str | None, limit: int) -> dict[str, Any]:
    after = cursors.decode(cursor, kind="campaigns", campaign_id=0)
    qs = token_campaigns(token).order_by("pk")
    if after:
        qs = qs.filter(pk__gt=after[0])
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "results": [
            {
                "code": c.code,
                "name": c.name,
                "level": c.level,
                "capture_dates": parse_capture_dates(c.capture_dates),
                "fee_per_person": c.fee_per_person,
            }
            for c in rows
        ],
        "next": cursors.encode("campaigns", 0, [rows[-1].pk]) if more else None,
    }


# --- one student's states, for a page of students ----------------------------


def _capture_state(capture: dict[str, Any] | None, shot: dict[str, Any] | None) -> dict[str, Any]:
    if capture is None:
        return {"captured": False}
    state = {
        "captured": capture["undone_at"] is None,
        "captured_at": capture["captured_at"],
        "group": capture["slot__group__name"],
        "wrong_slot": capture["wrong_slot"],
    }
    if shot is not None:
        # Shot.status's rule on a capture that is still active: void code, or live.
        state.update(
            shot_number=shot["number"],
            shot_day=shot["day"],
            shot_status=shot["void_code"] if shot["voided_at"] else "live",
        )
    return state


_CAPTURE_FIELDS = ("id", "student_id", "captured_at", "undone_at", "wrong_slot", "slot__group__name")
_SHOT_FIELDS = ("id", "capture_id", "number", "day", "voided_at", "void_code")
_FEE_FIELDS = ("charged", "paid", "waived", "balance")
_VERIFICATION_FIELDS = ("student_id", "is_active", "due_date", "confirmed_at", "chsi_status")


def _newest_shots(campaign: Campaign, *, first: int, last: int) -> dict[int, dict[str, Any]]:
    """The newest 拍摄号 of each active capture of the students in [first, last]."""
    shots: dict[int, dict[str, Any]] = {}
    rows = (
        Shot.objects.filter(
            capture__campaign=campaign,
            capture__student_id__gte=first,
            capture__student_id__lte=last,
            capture__undone_at__isnull=True,
        )
        .order_by("capture_id", "-pk")
        .values(*_SHOT_FIELDS)
    )
    for row in rows:
        shots.setdefault(row["capture_id"], row)
    return shots


def _verification_state(row: dict[str, Any] | None, today: datetime.date) -> dict[str, Any]:
    if row is None or not row["is_active"]:
        return {"status": "not_captured"}
    return {
        "status": record_state(confirmed_at=row["confirmed_at"], due_date=row["due_date"], today=today),
        "due_date": row["due_date"],
        "confirmed_at": row["confirmed_at"],
        "chsi_status": row["chsi_status"],
    }


def _retake_state(request: RetakeRequest) -> dict[str, Any]:
    return {
        "status": request.status,
        "reason": request.reason,
        "channel": request.channel,
        "requested_at": request.created_at,
        "updated_at": request.updated_at,
    }


def _fee_state(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _FEE_FIELDS}


_ROSTER_FIELDS = ("name", "gender", "college_id", "college__name", "major", "class_name", "level", "campus__name")


def student_page(
    token: ApiToken, campaign: Campaign, *, cursor: str | None, limit: int, today: datetime.date | None = None
) -> dict[str, Any]:
    """One page of the campaign's students in id order, with the field groups the token holds.

    At most seven queries (students, captures, shots, fee accounts, verification records, retake
    requests), each bounded by the page's first and last student id, so the page costs the same
    at 10 rows as at 1,000 and a capture added meanwhile never moves a row between pages.
    """
    today = today or timezone.localdate()
    position = cursors.decode(cursor, kind="students", campaign_id=campaign.pk)
    fields = ["id", "student_no"]
    if token.allows(Scope.ROSTER):
        fields += _ROSTER_FIELDS
    if token.allows(Scope.ID_NUMBER):
        fields.append("id_number")
    qs = Student.objects.filter(campaign=campaign)
    if position:
        qs = qs.filter(pk__gt=position[0])
    rows = list(qs.order_by("pk").values(*fields)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    results = [_student_row(row) for row in rows]
    if rows:
        _add_states(token, campaign, results, first=rows[0]["id"], last=rows[-1]["id"], today=today)
    return {"results": results, "next": cursors.encode("students", campaign.pk, [rows[-1]["id"]]) if more else None}


def _student_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {"id": row["id"], "student_no": row["student_no"]}
    if "name" in row:
        out.update(
            name=row["name"],
            gender=row["gender"],
            college={"id": row["college_id"], "name": row["college__name"]},
            major=row["major"],
            class_name=row["class_name"],
            level=row["level"],
            campus=row["campus__name"] or "",
        )
    if "id_number" in row:
        out["id_number"] = row["id_number"]
    return out


def _add_states(
    token: ApiToken, campaign: Campaign, results: list[dict[str, Any]], *, first: int, last: int, today: datetime.date
) -> None:
    span = Q(campaign=campaign, student_id__gte=first, student_id__lte=last)
    if token.allows(Scope.CAPTURE):
        captures = {
            c["student_id"]: c for c in Capture.objects.filter(span, undone_at__isnull=True).values(*_CAPTURE_FIELDS)
        }
        shots = _newest_shots(campaign, first=first, last=last)
        for r in results:
            capture = captures.get(r["id"])
            r["capture"] = _capture_state(capture, shots.get(capture["id"]) if capture else None)
    if token.allows(Scope.FEES):
        fees = {f["student_id"]: f for f in FeeAccount.objects.filter(span).values("student_id", *_FEE_FIELDS)}
        for r in results:
            r["fee"] = _fee_state(fees[r["id"]]) if r["id"] in fees else None
    if token.allows(Scope.VERIFICATION):
        records = {
            v["student_id"]: v
            for v in VerificationRecord.objects.filter(span, is_active=True).values(*_VERIFICATION_FIELDS)
        }
        for r in results:
            r["verification"] = _verification_state(records.get(r["id"]), today)
    if token.allows(Scope.RETAKES):
        latest = latest_requests(campaign=campaign, first_id=first, last_id=last)
        for r in results:
            r["retake"] = _retake_state(latest[r["id"]]) if r["id"] in latest else None


# --- changes since a cursor ----------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of change: rows of one table in the order of one timestamp."""

    type: str
    scope: str
    time_field: str
    rows: Callable[[Campaign], QuerySet[Any]]
    body: Callable[[Any, datetime.date], dict[str, Any]]


def _capture_rows(campaign: Campaign) -> QuerySet[Any]:
    return Capture.objects.filter(campaign=campaign).select_related("student", "slot__group")


def _capture_body(capture: Capture, today: datetime.date) -> dict[str, Any]:
    return {
        "capture": {
            "captured": capture.undone_at is None,
            "captured_at": capture.captured_at,
            "group": capture.slot.group.name if capture.slot else None,
            "wrong_slot": capture.wrong_slot,
        }
    }


def _shot_rows(campaign: Campaign) -> QuerySet[Any]:
    return Shot.objects.filter(group__campaign=campaign).select_related("capture__student", "group")


def _shot_body(shot: Shot, today: datetime.date) -> dict[str, Any]:
    capture = shot.capture
    return {
        "capture": {
            "captured": capture.undone_at is None,
            "captured_at": capture.captured_at,
            "group": shot.group.name,
            "wrong_slot": capture.wrong_slot,
            "shot_number": shot.number,
            "shot_day": shot.day,
            "shot_status": shot.status,
        }
    }


def _fee_rows(campaign: Campaign) -> QuerySet[Any]:
    return FeeAccount.objects.filter(campaign=campaign).select_related("student")


def _fee_body(account: FeeAccount, today: datetime.date) -> dict[str, Any]:
    return {"fee": {name: getattr(account, name) for name in _FEE_FIELDS}}


def _verification_rows(campaign: Campaign) -> QuerySet[Any]:
    return VerificationRecord.objects.filter(campaign=campaign).select_related("student")


def _verification_body(record: VerificationRecord, today: datetime.date) -> dict[str, Any]:
    row = {name: getattr(record, name) for name in _VERIFICATION_FIELDS if name != "student_id"}
    return {"verification": _verification_state(row, today)}


def _retake_rows(campaign: Campaign) -> QuerySet[Any]:
    return RetakeRequest.objects.filter(campaign=campaign).select_related("student")


def _retake_body(request: RetakeRequest, today: datetime.date) -> dict[str, Any]:
    return {"retake": _retake_state(request)}


# The order of this list breaks ties between changes stamped with the same microsecond.
SOURCES = [
    Source("capture.recorded", Scope.CAPTURE, "captured_at", _capture_rows, _capture_body),
    Source("capture.undone", Scope.CAPTURE, "undone_at", _capture_rows, _capture_body),
    Source("shot.assigned", Scope.CAPTURE, "assigned_at", _shot_rows, _shot_body),
    Source("shot.voided", Scope.CAPTURE, "voided_at", _shot_rows, _shot_body),
    Source("fee.changed", Scope.FEES, "updated_at", _fee_rows, _fee_body),
    Source("verification.changed", Scope.VERIFICATION, "updated_at", _verification_rows, _verification_body),
    Source("retake.changed", Scope.RETAKES, "updated_at", _retake_rows, _retake_body),
]


def _student_of(obj: Any) -> Student:
    student: Student = obj.capture.student if isinstance(obj, Shot) else obj.student
    return student


def _after(source_rank: int, field: str, position: list[Any] | None) -> Q:
    """Rows of this source that come after the cursor's (time, source, id)."""
    if position is None:
        return Q(**{f"{field}__isnull": False})
    at = datetime.datetime.fromisoformat(position[0])
    rank, pk = position[1], position[2]
    if source_rank < rank:
        return Q(**{f"{field}__gt": at})
    if source_rank > rank:
        return Q(**{f"{field}__gte": at})
    return Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk})


def change_page(
    token: ApiToken,
    campaign: Campaign,
    *,
    cursor: str | None,
    limit: int,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Changes in (time, kind, id) order after the cursor, up to `now` less a settling time.

    The settling time (API_CHANGES_SETTLE_SECONDS) is what keeps a page from skipping a row: a
    transaction stamps its rows when it writes them and they become visible only when it
    commits, so a row stamped 10:00:01 may appear after a reader has passed 10:00:02. Reading
    only rows older than the longest transaction (a CHSI import of a whole cohort) closes that
    gap. A row changed again moves to its new time and is served again there, with its state
    then: a consumer upserts by student and kind, and ends up with the latest state.
    One query per kind of change the token may read, each LIMIT n+1.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    upto = now - datetime.timedelta(seconds=settings.API_CHANGES_SETTLE_SECONDS)
    position = cursors.decode(cursor, kind="changes", campaign_id=campaign.pk)
    if position is not None and not _valid_position(position):
        raise ApiError.of("bad_cursor")
    found: list[tuple[datetime.datetime, int, int, Source, Any]] = []
    for rank, source in enumerate(SOURCES):
        if not token.allows(source.scope):
            continue
        field = source.time_field
        rows = (
            source.rows(campaign)
            .filter(_after(rank, field, position), **{f"{field}__lte": upto})
            .order_by(field, "pk")[: limit + 1]
        )
        found.extend((getattr(row, field), rank, row.pk, source, row) for row in rows)
    found.sort(key=lambda item: item[:3])
    more = len(found) > limit
    found = found[:limit]
    results = []
    for at, _rank, _pk, source, row in found:
        student = _student_of(row)
        results.append(
            {"type": source.type, "at": at, "student_id": student.pk, "student_no": student.student_no}
            | source.body(row, today)
        )
    if found:
        at, rank, pk = found[-1][:3]
        next_position: list[Any] = [at.isoformat(), rank, pk]
    else:
        next_position = position or [datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC).isoformat(), -1, 0]
    return {
        "results": results,
        "next": cursors.encode("changes", campaign.pk, next_position),
        "has_more": more,
    }


def _valid_position(position: list[Any]) -> bool:
    if len(position) != 3 or not isinstance(position[1], int) or not isinstance(position[2], int):
        return False
    try:
        datetime.datetime.fromisoformat(position[0])
    except (TypeError, ValueError):
        return False
    return True


# --- colleges ----------------------------------------------------------------


def college_page(
    token: ApiToken,
    campaign: Campaign,
    *,
    cursor: str | None,
    limit: int,
    college_id: int | None = None,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """Per college of the campaign's roster: head count and captured, then fees, verification
    and retakes by the token's scopes, each from its app's own summary (a fixed number of
    aggregate queries per page)."""
    today = today or timezone.localdate()
    position = cursors.decode(cursor, kind="colleges", campaign_id=campaign.pk)
    colleges = College.objects.filter(pk__in=Student.objects.filter(campaign=campaign).values("college_id"))
    if college_id is not None:
        colleges = colleges.filter(pk=college_id)
    if position:
        colleges = colleges.filter(pk__gt=position[0])
    page = list(colleges.order_by("pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    ids = [c.pk for c in page]
    in_page = College.objects.filter(pk__in=ids)
    counts = {c.college_id: c for c in college_counts(campaign, in_page)}
    results: dict[int, dict[str, Any]] = {
        c.pk: {
            "id": c.pk,
            "name": c.name,
            "roster": counts[c.pk].expected if c.pk in counts else 0,
            "captured": counts[c.pk].captured if c.pk in counts else 0,
        }
        for c in page
    }
    if page and token.allows(Scope.FEES):
        figures, _total = reconciliation(campaign=campaign, colleges=in_page)
        for f in figures:
            results[f.college.pk]["fees"] = {
                "expected": f.expected,
                "collected": f.collected,
                "waived": f.waived,
                "remitted": f.remitted,
                "confirmed": f.confirmed,
                "outstanding": f.outstanding,
                "unpaid_count": f.unpaid_count,
            }
    if page and token.allows(Scope.VERIFICATION):
        students = Student.objects.filter(campaign=campaign, college_id__in=ids)
        for p in college_progress(students=students, today=today):
            results[p.college.pk]["verification"] = {
                "captured": p.captured,
                "verified": p.verified,
                "pending": p.pending,
                "overdue": p.overdue,
                "problem": p.problem,
            }
    if page and token.allows(Scope.RETAKES):
        by_college = status_counts_by_college(campaign=campaign, college_ids=ids)
        for pk, row in results.items():
            row["retakes"] = by_college.get(pk, {})
    return {
        "results": [results[c.pk] for c in page],
        "next": cursors.encode("colleges", campaign.pk, [page[-1].pk]) if more else None,
    }
