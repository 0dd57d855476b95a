"""The passed electronic photos of a campaign, a college or a class, as one zip for the photo service.

Each photo is named 身份证号.jpg or 学号.jpg (staff's choice) and a manifest (.xlsx) lists who is
in it. The file names hold full ID numbers, so only staff may make one, and each is audited. The
zip is written entry by entry into a temporary file, copying each photo in chunks: memory stays
the same for ten photos or ten thousand; the job keeps the file like every job file, and
jobs.expire_files deletes it after JOBS_FILE_MAX_AGE_SECONDS.

"Passed" is what the photo service may take: a photo staff accepted, or one that passed the
automatic check and was not returned. Only a request's current photo counts; cancelled requests none.
"""

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from core.spreadsheets import DataWorkbook
from sessions_app.models import Campaign

from .models import CheckStatus, RetakeRequest, Review, Status
from .services import RetakeError

NAME_BY_ID = "id_number"
NAME_BY_NO = "student_no"
NAME_CHOICES = (NAME_BY_ID, NAME_BY_NO)
MANIFEST = "manifest.xlsx"
COPY_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ExportSummary:
    photos: int
    missing: int


def passed_requests(
    *, campaign: Campaign, college_id: int | None = None, class_name: str = ""
) -> QuerySet[RetakeRequest]:
    accepted = Q(current_photo__review=Review.ACCEPTED)
    checked = Q(current_photo__check_status=CheckStatus.PASSED) & ~Q(current_photo__review=Review.RETURNED)
    qs = (
        RetakeRequest.objects.filter(campaign=campaign, current_photo__isnull=False)
        .exclude(status=Status.CANCELLED)
        .filter(accepted | checked)
    )
    if college_id:
        qs = qs.filter(student__college_id=college_id)
    if class_name:
        qs = qs.filter(student__class_name=class_name)
    return qs.select_related("student__college", "current_photo").order_by(
        "student__college__sort_order", "student__class_name", "student__student_no", "id"
    )


def export_photos(
    *,
    campaign: Campaign,
    actor: User,
    stream: IO[bytes],
    name_by: str = NAME_BY_ID,
    college_id: int | None = None,
    class_name: str = "",
    progress: Callable[[int, int | None], None] | None = None,
) -> ExportSummary:
    """Write the zip to `stream`. Staff only (RetakeError "staff_only"): the names are full ID numbers."""
    if not actor.is_academic_staff:
        raise RetakeError.of("staff_only", what="export")
    if name_by not in NAME_CHOICES:
        raise RetakeError.of("name_by_missing")
    class_name = (class_name or "").strip()
    requests = passed_requests(campaign=campaign, college_id=college_id, class_name=class_name)
    total = requests.count()
    report = progress or (lambda done, total=None: None)
    report(0, total)
    workbook = DataWorkbook()
    sheet = workbook.create_sheet(_("照片清单"))
    sheet.write_header(
        [_("文件名"), _("学号"), _("姓名"), _("身份证号"), _("学院"), _("班级"), _("自动检查"), _("审核"),
         _("上传时间"), _("说明")],
        widths=[26, 14, 10, 22, 22, 14, 10, 10, 18, 20],
    )  # fmt: skip
    photos = missing = 0
    with zipfile.ZipFile(stream, "w") as archive:
        for done, request in enumerate(requests.iterator(chunk_size=500), start=1):
            student, photo = request.student, request.current_photo
            assert photo is not None  # the query asks for it
            name = f"{student.id_number if name_by == NAME_BY_ID else student.student_no}.{photo.extension}"
            note = ""
            try:
                with photo.file.open("rb") as source:
                    # JPEGs do not compress: stored, and copied in chunks (never a whole photo set in memory).
                    with archive.open(zipfile.ZipInfo(name, date_time=_zip_time(photo.uploaded_at)), "w") as target:
                        shutil.copyfileobj(source, target, COPY_CHUNK)
                photos += 1
            except OSError:
                note, name = _("照片文件缺失，未放入压缩包"), ""
                missing += 1
            sheet.append(
                [
                    name,
                    student.student_no,
                    student.name,
                    student.id_number,
                    student.college.name,
                    student.class_name,
                    str(CheckStatus(photo.check_status).label),
                    str(Review(photo.review).label),
                    sheet.moment(timezone.localtime(photo.uploaded_at).replace(tzinfo=None, microsecond=0)),
                    note,
                ]
            )
            report(done, total)
        with tempfile.TemporaryFile() as manifest:
            workbook.save(manifest)
            manifest.seek(0)
            with archive.open(zipfile.ZipInfo(MANIFEST, date_time=_zip_time(timezone.now())), "w") as target:
                shutil.copyfileobj(manifest, target, COPY_CHUNK)
    record_event(
        actor=actor,
        action="retake.photo_export",
        campaign=campaign,
        data={
            "photos": photos,
            "missing": missing,
            "name_by": name_by,
            "college_id": college_id,
            "class_name": class_name,
        },
    )
    return ExportSummary(photos=photos, missing=missing)


def _zip_time(moment) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)
