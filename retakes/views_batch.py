"""Batches of electronic photos: the import page (staff and counselors) and the export page (staff)."""

import tempfile
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import staff_required
from core.web import parse_pk
from jobs import imports
from sessions_app.campaigns import current_campaign
from sessions_app.scope import visible_colleges

from . import jobkinds
from .forms import BatchImportForm, PhotoExportForm


def _upload_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.PHOTO_BATCH["max_upload_bytes"]


def _stage(files) -> imports.StagedUpload:
    """One zip as it is; several files (or one photo) put into a zip, so the job reads one kind of input.

    The zip made here has fixed times and sorted names: the same files sent again make the same zip
    (the same SHA-256), so they land on the same job.
    """
    if len(files) == 1 and files[0].name.lower().endswith(".zip"):
        return imports.stage(files[0], kind=jobkinds.STAGING)
    with tempfile.TemporaryFile() as bundle:
        with zipfile.ZipFile(bundle, "w") as archive:
            for upload in sorted(files, key=lambda f: f.name):
                with archive.open(zipfile.ZipInfo(upload.name), "w") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
        return imports.stage(File(bundle, name="photos.zip"), kind=jobkinds.STAGING)


@login_required
def batch_import(request):
    user = request.user
    if not (user.is_academic_staff or user.is_counselor):
        raise PermissionDenied(_("只有教务处和辅导员可以批量导入电子照片"))
    campaign = current_campaign(request)
    if request.method == "POST" and _upload_too_large(request):
        limit = settings.PHOTO_BATCH["max_upload_bytes"] // (1024 * 1024)
        messages.error(request, _("文件太大：一次上传不超过 %(mb)s MB，请分成几个压缩包") % {"mb": limit})
        return redirect(request.get_full_path())
    form = BatchImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        staged = _stage(form.cleaned_data["files"])
        job = jobkinds.start_import(
            staged=staged,
            campaign=campaign,
            user=user,
            channel=form.cleaned_data["channel"],
            reason=form.cleaned_data["reason"],
        )
        return redirect("jobs:detail", job_id=job.pk)
    return render(request, "retakes/batch_import.html", {"form": form, "campaign": campaign})


@staff_required
def photo_export(request):
    campaign = current_campaign(request)
    form = PhotoExportForm(request.POST or None)
    colleges = list(visible_colleges(request.user).order_by("sort_order", "name"))
    if request.method == "POST" and form.is_valid():
        college_id = parse_pk(form.cleaned_data.get("college"))
        if college_id is not None and not any(c.pk == college_id for c in colleges):
            college_id = None
        job = jobkinds.start_export(
            campaign=campaign,
            user=request.user,
            name_by=form.cleaned_data["name_by"],
            college_id=college_id,
            class_name=(form.cleaned_data.get("class_name") or "").strip(),
        )
        return redirect("jobs:detail", job_id=job.pk)
    return render(request, "retakes/photo_export.html", {"form": form, "campaign": campaign, "colleges": colleges})
