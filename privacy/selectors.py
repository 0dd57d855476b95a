"""Reads for erasure: what a dry run would erase, the archive's rows, and what the portal holds
about one student (their own download)."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from fees.models import Entry, FeeAccount
from jobs.models import ACTIVE_STATUSES, Job
from notifications.models import Delivery, DeliveryStatus, Notification
from retakes.models import RetakePhoto, RetakeRequest
from sessions_app.idcard import mask_id_number
from sessions_app.models import Campaign, Capture, Student
from sessions_app.phases import erase_after, is_closed, last_deadline
from verification.models import ProblemReport, VerificationRecord

from .models import ERASE_KIND, CampaignErasure

CHUNK = 2000


def planned_counts(campaign: Campaign) -> dict[str, int]:
    """What erasing the campaign now would remove, by the codes the erasure counts in."""
    students = Student.objects.filter(campaign=campaign, erased_at__isnull=True)
    pending = students.values("pk")
    users = students.exclude(user=None).values("user_id")
    jobs = (
        Job.objects.filter(params__campaign_id=campaign.pk).exclude(kind=ERASE_KIND).exclude(status__in=ACTIVE_STATUSES)
    )
    deliveries = Delivery.objects.filter(Q(notification__student_id__in=pending) | Q(notification__user_id__in=users))
    return {
        "students": students.count(),
        "id_numbers": students.exclude(id_number="").count(),
        "phones": students.exclude(phone="").count(),
        "emails": students.exclude(email="").count(),
        "collection_codes": students.exclude(collection_code_hash=None).count(),
        "photo_files": RetakePhoto.objects.filter(request__student_id__in=pending).exclude(file="").count(),
        "retake_texts": RetakeRequest.objects.filter(student_id__in=pending)
        .filter(~Q(note="") | ~Q(reason_detail=""))
        .count(),
        "problem_texts": ProblemReport.objects.filter(student_id__in=pending).exclude(description="").count(),
        "deliveries_cancelled": deliveries.filter(status=DeliveryStatus.PENDING).count(),
        "delivery_addresses": deliveries.exclude(status=DeliveryStatus.PENDING).exclude(address="").count(),
        "job_files": jobs.exclude(file="").count(),
    }


def retention(campaign: Campaign) -> dict[str, Any]:
    """What the privacy notice and the staff pages say about a campaign's retention."""
    erasure = CampaignErasure.objects.filter(campaign=campaign).first()
    archives = Job.objects.filter(kind=ERASE_KIND, params__campaign_id=campaign.pk).exclude(file="")
    return {
        "archive": archives.order_by("-id").first(),
        "campaign": campaign,
        "retention_days": campaign.retention_days,
        "last_deadline": last_deadline(campaign),
        "erase_after": erase_after(campaign),
        "closed": is_closed(campaign),
        "erased_at": erasure.finished_at if erasure else None,
    }


# --- the archive ------------------------------------------------------------------------------

ACTIVE = Q(undone_at__isnull=True)


def archive_rows(campaign: Campaign) -> Iterator[dict[str, Any]]:
    """Per student, in roster order: who, masked ID number, captured, paid, verified, retake.

    One query streamed in chunks (bounded memory for 20,000 students). Only data that erasure
    keeps is read, so an archive written after a run killed half-way is the same as before it.
    """
    captures = Capture.objects.filter(ACTIVE, student=OuterRef("pk"))
    confirmed = VerificationRecord.objects.filter(student=OuterRef("pk"), is_active=True, confirmed_at__isnull=False)
    latest_retake = RetakeRequest.objects.filter(student=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (
        Student.objects.filter(campaign=campaign)
        .order_by("college__sort_order", "college__name", "class_name", "student_no", "pk")
        .annotate(
            captured_at=Subquery(captures.order_by("captured_at").values("captured_at")[:1]),
            verified=Exists(confirmed),
            retake_status=Subquery(latest_retake.values("status")[:1]),
        )
        .values(
            "student_no",
            "name",
            "college__name",
            "class_name",
            "id_number",
            "id_number_masked",
            "erased_at",
            "captured_at",
            "verified",
            "retake_status",
            "fee_account__charged",
            "fee_account__paid",
            "fee_account__waived",
            "fee_account__balance",
        )
    )
    for values in rows.iterator(chunk_size=CHUNK):
        row: dict[str, Any] = dict(values)
        number = row.pop("id_number")
        row["masked_id"] = mask_id_number(number) if number else row["id_number_masked"]
        yield row


# --- one student's own data -------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def student_data(student: Student) -> dict[str, Any]:
    """Everything the portal holds about the student, as plain JSON values (their download).

    Their own full ID number is theirs to see; photos are listed, not embedded.
    """
    account = FeeAccount.objects.filter(student=student).first()
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "campaign": {"code": student.campaign.code, "name": student.campaign.name},
        "student": {
            "student_no": student.student_no,
            "name": student.name,
            "gender": student.gender,
            "id_number": student.id_number or student.id_number_masked,
            "college": student.college.name,
            "major": student.major,
            "class_name": student.class_name,
            "level": student.level,
            "campus": student.campus.name if student.campus is not None else "",
            "phone": student.phone,
            "email": student.email,
            "counselor_name": student.counselor_name,
            "collection_code_bound": bool(student.collection_code_hash),
            "erased_at": _iso(student.erased_at),
        },
        "captures": [
            {"captured_at": _iso(c.captured_at), "method": c.method, "undone_at": _iso(c.undone_at)}
            for c in Capture.objects.filter(student=student).order_by("captured_at")
        ],
        "fees": None
        if account is None
        else {
            "charged": str(account.charged),
            "paid": str(account.paid),
            "waived": str(account.waived),
            "balance": str(account.balance),
            "entries": [
                {"kind": e.kind, "amount": str(e.amount), "method": e.method, "posted_at": _iso(e.posted_at)}
                for e in Entry.objects.filter(account=account).order_by("posted_at", "id")
            ],
        },
        "verification": [
            {
                "due_date": _iso(v.due_date),
                "active": v.is_active,
                "confirmed_at": _iso(v.confirmed_at),
                "chsi_status": v.chsi_status,
            }
            for v in VerificationRecord.objects.filter(student=student).order_by("id")
        ],
        "problem_reports": [
            {"type": r.problem_type, "status": r.status, "description": r.description, "created_at": _iso(r.created_at)}
            for r in ProblemReport.objects.filter(student=student).order_by("id")
        ],
        "retakes": [
            {
                "reason": r.reason,
                "reason_detail": r.reason_detail,
                "channel": r.channel,
                "status": r.status,
                "note": r.note,
                "created_at": _iso(r.created_at),
                "photos": [
                    {"uploaded_at": _iso(p.uploaded_at), "size": p.size, "format": p.format, "kept": bool(p.file)}
                    for p in r.photos.all()
                ],
            }
            for r in RetakeRequest.objects.filter(student=student).prefetch_related("photos").order_by("id")
        ],
        "messages": [
            {
                "code": n.code,
                "created_at": _iso(n.created_at),
                "deliveries": [
                    {"channel": d.channel, "address": d.address, "status": d.status} for d in n.deliveries.all()
                ],
            }
            for n in Notification.objects.filter(
                Q(student=student) | (Q(user_id=student.user_id) if student.user_id else Q(pk__in=[]))
            )
            .prefetch_related("deliveries")
            .order_by("created_at", "id")
        ],
    }
    return data
