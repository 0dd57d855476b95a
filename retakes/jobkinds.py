"""Background jobs of the retakes app: a batch of electronic photos in, the passed photos out.

The import reads the zip staged under MEDIA_ROOT/intake/retake_photos/ (jobs.imports), keyed by
(campaign, uploader, the zip's SHA-256): the same zip sent again while its job is queued or
running lands on that job; sent again later, each photo already attached is reported unchanged.
"""

import tempfile

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.words import Words
from jobs import imports
from jobs.models import Job
from jobs.registry import JobRejected, Outcome, register
from jobs.services import start_job
from sessions_app.models import Campaign

from . import batch_import, photo_export
from .batch_files import BatchFileError
from .photo_check import findings_from_stored
from .refusals import WORDS as REFUSALS
from .services import RetakeError

IMPORT = "retakes.photo_import"
EXPORT = "retakes.photo_export"
STAGING = "retake_photos"
# The zip's download name, in the language of whoever asked for the export.
PHOTOS_ZIP = _("电子照片-%(campaign)s.zip")

# Each file's outcome in words (batch_import's codes and batch_files' refusals).
OUTCOMES = Words(
    {
        "files": _("文件"),
        batch_import.PASSED: _("已提交，自动检查通过"),
        batch_import.FAILED: _("已提交，未通过自动检查"),
        batch_import.UNCHANGED: _("已提交过同一张照片，未重复提交"),
        "requests_created": _("新建补拍申请"),
        batch_import.UNMATCHED: _("没有匹配的学生（或不是你负责的学生）"),
        batch_import.AMBIGUOUS: _("匹配到多名学生，未提交"),
        batch_import.NAME_MISMATCH: _("文件名中的姓名与学号不符，未提交"),
        batch_import.DUPLICATE: _("同一学生有多个文件，均未提交"),
        batch_import.NOT_AN_IMAGE: _("不是 JPEG 或 PNG 照片"),
        batch_import.CHECK_ERROR: _("自动检查出错"),
        batch_import.REFUSED: _("未提交"),
        "not_accepting_photos": _("补拍申请已通过或已完成，不能再提交照片"),
        "out_of_scope": _("不是你负责的学生"),
        "already_open": _("已有未完成的补拍申请"),
        "file_too_large": _("文件太大"),
        "unsafe_name": _("文件名含有不安全的路径（如 ../），已拒绝"),
        "system_file": _("系统文件，已跳过"),
        "nested_archive": _("压缩包中的压缩包，不读取"),
        "not_photo_name": _("不是照片文件（扩展名应为 .jpg 或 .png）"),
        "too_large": _("文件超过单张照片的上限"),
        "bomb": _("压缩比异常（疑似压缩炸弹），已拒绝"),
        "encrypted": _("文件已加密，无法读取"),
        "total_too_large": _("压缩包解压后总大小超过上限，其余文件未读取"),
        "too_many_files": _("压缩包文件数超过上限，其余文件未读取"),
        "unreadable": _("文件损坏，无法读取"),
    },
    name="retakes.jobkinds outcomes",
)
# A refused batch or export: the upload itself (batch_files) or a rule (RetakeError), as code + params.
ERRORS = Words(
    {"not_a_zip": _("上传的文件不是 zip 压缩包，也不是照片")},
    name="retakes.jobkinds errors",
    base=REFUSALS,
)


def outcome_label(code: str) -> str:
    return OUTCOMES.text(code)


def start_import(*, staged: imports.StagedUpload, campaign: Campaign, user, channel: str, reason: str) -> Job:
    return imports.start_import(
        kind=IMPORT,
        staged=staged,
        campaign_id=campaign.pk,
        user=user,
        params={"channel": channel, "reason": reason},
    )


def _show_files(job: Job):
    rows = []
    for item in job.result.get("files", ()):
        rows.append(
            {
                **item,
                "label": outcome_label(item.get("code", "")),
                "findings": findings_from_stored(item.get("findings")),
                "attached": item.get("code") in (batch_import.PASSED, batch_import.FAILED, batch_import.UNCHANGED),
            }
        )
    return ("retakes/_batch_result.html", {"files": rows, "dry_run": job.result.get("dry_run", False)})


@register(IMPORT, title=_("批量导入补拍电子照片"), counts=OUTCOMES, errors=ERRORS, show_result=_show_files)
def run_import(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    path = imports.staged_path(job)
    # Discarded once the import has said its last word (done, or refused), not when an error ends
    # the run without ending the job (the database gone mid-batch): the resumed run needs the file.
    try:
        result = batch_import.import_batch(
            path=path,
            campaign=campaign,
            actor=job.owner,
            channel=job.params.get("channel", ""),
            reason=job.params.get("reason", ""),
            progress=progress,
            batch=f"job:{job.pk}",
        )
    except BatchFileError as exc:
        imports.discard(job)
        raise JobRejected("rejected", [{"code": exc.code}]) from None
    except RetakeError as exc:
        imports.discard(job)
        raise JobRejected("rejected", [exc.stored()]) from None
    imports.discard(job)
    return Outcome(counts=result.counts, result={"files": [f.as_data() for f in result.files]})


# --- the export -------------------------------------------------------------------------


def export_key(*, campaign: Campaign, user, name_by: str, college_id: int | None, class_name: str) -> str:
    return f"{campaign.pk}:{user.pk}:{name_by}:{college_id or ''}:{class_name}"[:200]


def start_export(*, campaign: Campaign, user, name_by: str, college_id: int | None, class_name: str) -> Job:
    return start_job(
        kind=EXPORT,
        key=export_key(campaign=campaign, user=user, name_by=name_by, college_id=college_id, class_name=class_name),
        owner=user,
        params={
            "campaign_id": campaign.pk,
            "name_by": name_by,
            "college_id": college_id,
            "class_name": class_name,
            # The manifest's headers in the language of whoever asked for it.
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )


@register(
    EXPORT,
    title=_("导出补拍电子照片（zip）"),
    counts={"photos": _("照片"), "missing": _("照片文件缺失")},
    errors=ERRORS,
)
def run_export(job: Job, progress) -> Outcome:
    campaign = Campaign.objects.get(pk=job.params["campaign_id"])
    # A temporary file, not memory: the zip is written entry by entry and stored by the job.
    stream = tempfile.TemporaryFile()
    try:
        summary = photo_export.export_photos(
            campaign=campaign,
            actor=job.owner,
            stream=stream,
            name_by=job.params.get("name_by", photo_export.NAME_BY_ID),
            college_id=job.params.get("college_id"),
            class_name=job.params.get("class_name", ""),
            progress=progress,
        )
    except RetakeError as exc:
        stream.close()
        raise JobRejected("rejected", [exc.stored()]) from None
    counts = {"photos": summary.photos}
    if summary.missing:
        counts["missing"] = summary.missing
    return Outcome(counts=counts, file=(str(PHOTOS_ZIP) % {"campaign": campaign.code}, stream))
