"""Reads for retakes. Who sees what comes from sessions_app.scope; retakes are the counselor's
business, so coordinators and desk operators see none (DOMAIN.md, "People")."""

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from sessions_app.models import Campaign, Student
from sessions_app.scope import visible_students

from .models import AWAITING_STUDENT, CLOSED_STATUSES, CheckStatus, RetakePhoto, RetakeRequest, Status

LIST_RELATED = ("campaign", "student__college", "student__counselor", "current_photo", "created_by")


def can_use_retakes(user: User | AnonymousUser) -> bool:
    return (
        isinstance(user, User) and user.is_active and (user.is_academic_staff or user.is_counselor or user.is_student)
    )


def visible_requests(user: User | AnonymousUser, campaign: Campaign | None = None) -> QuerySet[RetakeRequest]:
    if not can_use_retakes(user):
        return RetakeRequest.objects.none()
    qs = RetakeRequest.objects.filter(student__in=visible_students(user, campaign))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs


def get_visible_request_or_404(user: User | AnonymousUser, pk: int | str) -> RetakeRequest:
    try:
        return visible_requests(user).select_related(*LIST_RELATED).get(pk=pk)
    except (RetakeRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("没有这个补拍申请，或你无权查看") from None


def get_visible_photo_or_404(user: User | AnonymousUser, pk: int | str) -> RetakePhoto:
    try:
        return RetakePhoto.objects.select_related("request").get(pk=pk, request__in=visible_requests(user).values("pk"))
    except (RetakePhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("没有这张照片，或你无权查看") from None


def request_list(
    user: User, campaign: Campaign, *, status: str = "", college_id: int | None = None, query: str = ""
) -> QuerySet[RetakeRequest]:
    qs = visible_requests(user, campaign).select_related(*LIST_RELATED)
    query = "".join((query or "").split())[:64]
    if query:
        qs = qs.filter(Q(student__student_no__icontains=query) | Q(student__name__icontains=query))
    if status == "open":
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if college_id:
        qs = qs.filter(student__college_id=college_id)
    return qs.order_by("student__college__sort_order", "student__class_name", "student__student_no", "-created_at")


def status_counts(user: User, campaign: Campaign) -> dict[str, int]:
    rows = visible_requests(user, campaign).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def student_requests(student: Student) -> list[RetakeRequest]:
    return list(
        RetakeRequest.objects.filter(student=student).select_related(*LIST_RELATED).order_by("-created_at", "-id")
    )


def find_visible_student(user: User, campaign: Campaign, student_no: str) -> Student | None:
    student_no = "".join((student_no or "").split())
    if not student_no:
        return None
    return visible_students(user, campaign).select_related("campaign").filter(student_no=student_no).first()


def requests_due_for_reminder(
    *, campaign: Campaign, today: datetime.date, horizon_days: int
) -> QuerySet[RetakeRequest]:
    """The campaign's open requests whose next move is the student's and whose deadline is within
    the horizon (the reminder rule has already refused a closed campaign)."""
    return (
        RetakeRequest.objects.filter(
            campaign=campaign,
            status__in=AWAITING_STUDENT,
            campaign__retake_deadline__gte=today,
            campaign__retake_deadline__lte=today + datetime.timedelta(days=horizon_days),
        )
        .select_related("campaign", "student__counselor", "student__user")
        .order_by("id")
    )


def export_rows(user: User | None, campaign: Campaign) -> Iterator[RetakeRequest]:
    """Requests for the .xlsx export, streamed in chunks with their related rows joined."""
    qs = RetakeRequest.objects.filter(campaign=campaign) if user is None else visible_requests(user, campaign)
    return (
        qs.select_related(*LIST_RELATED, "paper_photo_received_by", "student__campus")
        .order_by("student__college__sort_order", "student__class_name", "student__student_no", "id")
        .iterator(chunk_size=2000)
    )


def photos_to_recheck(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Photos still pending long after upload: their check job never reached a worker."""
    before = (now or timezone.now()) - datetime.timedelta(seconds=settings.RETAKES_RECHECK_PENDING_AFTER_SECONDS)
    pending = RetakePhoto.objects.filter(check_status=CheckStatus.PENDING, uploaded_at__lt=before)
    return list(pending.order_by("id").values_list("id", flat=True)[:limit])


def latest_requests(*, campaign: Campaign, first_id: int, last_id: int) -> dict[int, RetakeRequest]:
    """The newest request in the campaign (open or closed) of each student whose id is in
    [first_id, last_id] (a page of students in id order), one query: a range, not an IN list of
    a thousand ids, which costs Django more to compile than the database to run."""
    rows = RetakeRequest.objects.filter(campaign=campaign, student_id__gte=first_id, student_id__lte=last_id).order_by(
        "student_id", "-created_at", "-id"
    )
    latest: dict[int, RetakeRequest] = {}
    for request in rows:
        latest.setdefault(request.student_id, request)
    return latest


def status_counts_by_college(*, campaign: Campaign, college_ids: list[int]) -> dict[int, dict[str, int]]:
    """Requests per status for each college, one GROUP BY."""
    rows = (
        RetakeRequest.objects.filter(campaign=campaign, student__college_id__in=college_ids)
        .values("student__college_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["student__college_id"], {})[row["status"]] = row["n"]
    return counts
