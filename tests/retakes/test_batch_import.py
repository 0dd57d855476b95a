"""Batches of electronic photos: one zip with every kind of file, matched, checked and attached."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from jobs import tasks as job_tasks
from jobs.models import Job, JobStatus
from jobs.services import run_job
from retakes import batch_import, jobkinds, services
from retakes.batch_files import Limits, decoded_name, read_entries, unsafe
from retakes.models import Channel, CheckStatus, Reason, RetakePhoto, RetakeRequest, Status
from sessions_app.models import Campaign
from tests.factories import make_student, make_user

from .batch_support import FAILS, PASSES, TEXT_AS_JPG, build_zip, inner_zip
from .view_support import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(campaign, college, counselor):
    names = ["甲一", "乙二", "丙三", "丁四", "戊五", "己六", "王小明", "庚八", "辛九"]
    return [make_student(campaign, college, name=name, counselor=counselor) for name in names]


@pytest.fixture
def mixed_zip(tmp_path, roster, other_student):
    s1, s2, s3, s4, s5, s6, s7, s8, s9 = roster
    entries = [
        (f"{s1.student_no}.jpg", PASSES, {}),
        (f"照片/{s2.id_number}.jpg", PASSES, {}),
        (f"{s3.name}_{s3.student_no}.jpg", FAILS, {}),
        ("20999999.jpg", PASSES, {}),
        (f"{other_student.student_no}.jpg", PASSES, {}),
        (f"{s4.student_no}.jpg", PASSES, {}),
        (f"补交/{s4.student_no}.jpg", FAILS, {}),
        (f"../{s5.student_no}.jpg", PASSES, {}),
        ("inner.zip", inner_zip(), {}),
        (f"{s6.student_no}.jpg", TEXT_AS_JPG, {}),
        (f"{s7.name}_{s7.student_no}.jpg", PASSES, {"gbk": True}),
        (f"{s8.student_no}.jpg", b"", {"bomb": True}),
        (f"错名_{s9.student_no}.jpg", PASSES, {}),
        ("__MACOSX/._x.jpg", b"\0" * 10, {}),
    ]
    return build_zip(tmp_path / "照片.zip", entries)


def _post(client, path, **fields):
    with open(path, "rb") as handle:
        data = {"files": handle, "channel": Channel.ONLINE, "reason": Reason.INTERNSHIP, **fields}
        response = client.post(reverse("retakes:batch_import") + "?campaign=bk2021", data)
    assert response.status_code == 302, response
    return int(re.fullmatch(r"/jobs/(\d+)/", response["Location"]).group(1))


def test_a_counselors_zip_every_file_gets_its_outcome_and_the_same_zip_lands_on_the_same_job(
    campaign, counselor, roster, other_student, mixed_zip, settings
):
    settings.PHOTO_BATCH = {**settings.PHOTO_BATCH, "workers": 1}
    s1, s2, s3, s4, s5, s6, s7, s8, s9 = roster
    client = logged_in(counselor)
    listing = client.get(reverse("retakes:index") + "?campaign=bk2021").content.decode()
    assert reverse("retakes:batch_import") in listing and reverse("retakes:photo_export") not in listing
    form = client.get(reverse("retakes:batch_import") + "?campaign=bk2021").content.decode()
    assert "文件名为学号、身份证号或“姓名_学号”" in form and "multiple" in form
    with TestCase.captureOnCommitCallbacks() as queued:
        job_id = _post(client, mixed_zip)
    assert Job.objects.get(pk=job_id).status == JobStatus.QUEUED
    with TestCase.captureOnCommitCallbacks() as again:
        assert _post(client, mixed_zip) == job_id  # a second upload while it waits: the same job
    assert not again and Job.objects.filter(kind="retakes.photo_import").count() == 1
    for callback in queued:
        callback()

    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.DONE and job.done == job.total == 14
    outcomes = {item["name"]: item["code"] for item in job.result["files"]}
    masked_s2 = f"照片/{s2.id_number[:6]}********{s2.id_number[-4:]}.jpg"
    assert outcomes == {
        f"{s1.student_no}.jpg": "passed",
        masked_s2: "passed",
        f"{s3.name}_{s3.student_no}.jpg": "failed",
        "20999999.jpg": "unmatched",
        f"{other_student.student_no}.jpg": "unmatched",  # not this counselor's: never attached, never named
        f"{s4.student_no}.jpg": "duplicate",
        f"补交/{s4.student_no}.jpg": "duplicate",
        f"../{s5.student_no}.jpg": "unsafe_name",
        "inner.zip": "nested_archive",
        f"{s6.student_no}.jpg": "not_an_image",
        f"{s7.name}_{s7.student_no}.jpg": "passed",  # the GBK name read as Windows wrote it
        f"{s8.student_no}.jpg": "bomb",
        f"错名_{s9.student_no}.jpg": "name_mismatch",
        "__MACOSX/._x.jpg": "system_file",
    }
    assert job.counts["passed"] == 3 and job.counts["failed"] == 1 and job.counts["requests_created"] == 4

    # Attached: a request filed with the channel the counselor picked, the check's result recorded.
    request = RetakeRequest.objects.get(student=s1)
    assert (request.channel, request.reason, request.status) == (Channel.ONLINE, Reason.INTERNSHIP, Status.CHECKED)
    assert request.current_photo.check_status == CheckStatus.PASSED and request.current_photo.uploaded_by == counselor
    failed = RetakeRequest.objects.get(student=s3).current_photo
    assert failed.check_status == CheckStatus.FAILED and {f["code"] for f in failed.findings} >= {"head_top"}
    refused = [s4, s5, s6, s8, s9, other_student]
    assert not RetakeRequest.objects.filter(student__in=refused).exists()
    assert RetakePhoto.objects.count() == 4
    assert AuditEvent.objects.filter(action="retake.photo", data__batch=f"job:{job_id}").count() == 4

    # The job's page: each file, its outcome in words, the findings, no full ID number.
    html = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert masked_s2 in html
    assert s2.id_number not in html
    for words in ("已提交，自动检查通过", "没有匹配的学生", "同一学生有多个文件", "不安全的路径", "压缩包中的压缩包",
                  "不是 JPEG 或 PNG 照片", "疑似压缩炸弹", "姓名与学号不符", "头顶"):  # fmt: skip
        assert words in html, words
    assert reverse("retakes:detail", args=[request.pk]) in html

    # The same zip once more, after the first finished: a new job, nothing stored twice.
    with TestCase.captureOnCommitCallbacks(execute=True):
        second = _post(client, mixed_zip)
    assert second != job_id
    assert Job.objects.get(pk=second).counts["unchanged"] == 4 and RetakePhoto.objects.count() == 4


@pytest.mark.django_db(transaction=True)  # the pool's processes have connections of their own
def test_checks_run_in_a_process_pool_and_match_id_numbers_for_staff(tmp_path, campaign, college, staff):
    students = [make_student(campaign, college) for _ in range(6)]
    entries = [
        (f"{s.id_number.lower()}.jpg" if i % 2 else f"{s.student_no}.jpg", PASSES, {}) for i, s in enumerate(students)
    ]
    path = build_zip(tmp_path / "batch.zip", entries)
    seen = []
    result = batch_import.import_batch(
        path=path,
        campaign=campaign,
        actor=staff,
        channel=Channel.CENTRAL,
        workers=2,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert [f.code for f in result.files] == ["passed"] * 6
    assert seen[-1] == (6, 6)
    assert RetakePhoto.objects.filter(check_status=CheckStatus.PASSED).count() == 6


@pytest.mark.django_db(transaction=True)
def test_the_pool_is_started_before_the_zip_is_read(tmp_path, campaign, college, staff, monkeypatch):
    # Started after, its processes shared the pages holding the zip's names, students and directory;
    # each write to them copied a page, so the job's memory grew with the zip (400 MB at 5,000 photos).
    import multiprocessing

    student = make_student(campaign, college)
    path = build_zip(tmp_path / "b.zip", [(f"{student.student_no}.jpg", PASSES, {})])
    pool_when_read = []
    real_read = batch_import.read_entries

    def read_entries(*args, **kwargs):
        pool_when_read.append(len(multiprocessing.active_children()))
        return real_read(*args, **kwargs)

    monkeypatch.setattr(batch_import, "read_entries", read_entries)
    result = batch_import.import_batch(path=path, campaign=campaign, actor=staff, channel=Channel.CENTRAL, workers=2)
    assert [f.code for f in result.files] == ["passed"]
    assert pool_when_read == [2, 2]  # both passes over the zip


def test_an_id_number_that_is_also_someones_student_number_is_ambiguous(tmp_path, campaign, college, staff):
    a = make_student(campaign, college)
    make_student(campaign, college, student_no=a.id_number)
    path = build_zip(tmp_path / "b.zip", [(f"{a.id_number}.jpg", PASSES, {})])
    result = batch_import.import_batch(path=path, campaign=campaign, actor=staff, workers=1)
    assert [f.code for f in result.files] == ["ambiguous"] and not RetakeRequest.objects.exists()


def test_a_request_already_accepted_takes_no_batch_photo(tmp_path, campaign, student, staff, counselor):
    request = services.create_request(
        student=student, actor=counselor, reason=Reason.MISSED_SHOOT, channel=Channel.CENTRAL
    )
    RetakeRequest.objects.filter(pk=request.pk).update(status=Status.ACCEPTED)
    path = build_zip(tmp_path / "b.zip", [(f"{student.student_no}.jpg", PASSES, {})])
    result = batch_import.import_batch(path=path, campaign=campaign, actor=staff, workers=1)
    assert [f.code for f in result.files] == ["not_accepting_photos"] and not RetakePhoto.objects.exists()


def test_coordinators_and_students_may_not_import(client, tmp_path, campaign, student, student_user):
    coordinator = make_user(Role.COORDINATOR)
    path = build_zip(tmp_path / "b.zip", [(f"{student.student_no}.jpg", PASSES, {})])
    with pytest.raises(services.RetakeError) as refused:
        batch_import.import_batch(path=path, campaign=campaign, actor=coordinator, workers=1)
    assert refused.value.code == "role_forbidden"
    for user in (coordinator, student_user):
        assert logged_in(user).get(reverse("retakes:batch_import") + "?campaign=bk2021").status_code == 403
    with pytest.raises(services.RetakeError) as refused:
        services.attach_checked_photo(
            student=student, data=PASSES, report=services.check_photo(PASSES), actor=student_user, channel="central"
        )
    assert refused.value.code == "role_forbidden" and not RetakeRequest.objects.exists()


def test_many_files_uploaded_at_once_are_imported_like_a_zip(campaign, counselor, roster, settings):
    settings.PHOTO_BATCH = {**settings.PHOTO_BATCH, "workers": 1}
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile(f"{roster[0].student_no}.jpg", PASSES, "image/jpeg"),
        SimpleUploadedFile(f"{roster[1].name}_{roster[1].student_no}.jpg", FAILS, "image/jpeg"),
    ]
    client = logged_in(counselor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("retakes:batch_import") + "?campaign=bk2021",
            {"files": files, "channel": Channel.CENTRAL, "reason": Reason.MISSED_SHOOT},
        )
    job = Job.objects.get(pk=int(response["Location"].split("/")[2]))
    assert sorted(item["code"] for item in job.result["files"]) == ["failed", "passed"]


def test_the_command_prints_every_files_outcome_and_a_dry_run_writes_nothing(campaign, roster, staff, mixed_zip):
    out = io.StringIO()
    call_command("import_photos", str(mixed_zip), "--campaign", "bk2021", "--dry-run", "--workers", "1", stdout=out)
    text = out.getvalue()
    assert not RetakeRequest.objects.exists() and not RetakePhoto.objects.exists()
    assert f"{roster[0].student_no}.jpg → 甲一（{roster[0].student_no}）：已提交，自动检查通过" in text
    assert "inner.zip：压缩包中的压缩包" in text and "试运行（未写入）" in text
    assert roster[1].id_number not in text  # names are masked on the console too
    with pytest.raises(CommandError):
        call_command("import_photos", str(mixed_zip), "--campaign", "bk2021")  # writing needs --by
    out = io.StringIO()
    call_command(
        "import_photos", str(mixed_zip), "--campaign", "bk2021", "--by", staff.username, "--workers", "1", stdout=out
    )
    # Staff see every student: the other counselor's student is matched too.
    assert RetakePhoto.objects.count() == 5 and "已导入" in out.getvalue()


def test_a_folder_is_read_like_a_zip(tmp_path, campaign, roster, staff):
    folder = tmp_path / "照片"
    (folder / "一班").mkdir(parents=True)
    (folder / "一班" / f"{roster[0].student_no}.jpg").write_bytes(PASSES)
    (folder / "说明.txt").write_text("readme")
    result = batch_import.import_batch(path=folder, campaign=campaign, actor=staff, workers=1, dry_run=True)
    assert {f.name: f.code for f in result.files} == {
        f"一班/{roster[0].student_no}.jpg": "passed",
        "说明.txt": "not_photo_name",
    }


# --- the zip's guards, one by one ----------------------------------------------------------


def test_names_decode_from_gbk_only_without_the_utf8_flag():
    gbk = zipfile.ZipInfo("x")
    gbk.filename = "王小明_2017.jpg".encode("gbk").decode("cp437")
    assert decoded_name(gbk) == "王小明_2017.jpg"
    utf8 = zipfile.ZipInfo("王小明.jpg")
    utf8.flag_bits |= 0x800
    assert decoded_name(utf8) == "王小明.jpg"


@pytest.mark.parametrize(
    "name, bad",
    [("../a.jpg", True), ("a/../../b.jpg", True), ("/etc/passwd.jpg", True), ("C:\\x.jpg", True),
     ("..\\a.jpg", True), ("a/b.jpg", False), ("a..b.jpg", False)],
)  # fmt: skip
def test_unsafe_names(name, bad):
    assert unsafe(name) is bad


def test_a_header_that_understates_its_size_is_caught_while_reading(tmp_path):
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.jpg", PASSES + b"\0" * 2000)
    limits = Limits(max_entry_bytes=len(PASSES), max_total_bytes=10**9, max_entries=10, max_ratio=10**9)
    # The header is honest here, so the cap on the declared size refuses it; a header that lies
    # is refused by the capped read the same way (the read stops at cap + 1 bytes).
    (entry,) = read_entries(path, limits)
    assert entry.refusal in ("too_large", "bomb") and entry.data is None


def test_too_many_files_and_too_much_in_total_are_refused_past_the_limit(tmp_path):
    path = build_zip(tmp_path / "many.zip", [(f"{i}.jpg", PASSES, {}) for i in range(4)])
    limits = Limits(max_entry_bytes=10**7, max_total_bytes=len(PASSES) * 2, max_entries=3, max_ratio=100)
    codes = [entry.refusal for entry in read_entries(path, limits)]
    assert codes == ["", "", "total_too_large", "too_many_files"]


def test_a_file_that_is_no_zip_fails_the_job_with_its_reason(campaign, staff, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("retakes:batch_import") + "?campaign=bk2021",
            {"files": SimpleUploadedFile("照片.zip", b"not a zip"), "channel": "central", "reason": "missed_shoot"},
        )
    page = client.get(response["Location"]).content.decode()
    assert "不是 zip 压缩包" in page and not RetakeRequest.objects.exists()


def _check_in_a_daemon(queue):
    from retakes.batch_files import Entry
    from retakes.batch_import import _Batch, _run_chunks

    # A dry run stores nothing: no database in this process.
    campaign = Campaign(code="bk2021")
    job = _Batch(campaign, actor=None, channel="", reason="", dry_run=True, batch="", backgrounds=("blue",))
    row = (7, None, "S7", "学生7", "", None)  # the values of STUDENT_FIELDS
    chunks = [[(Entry(index=i, name=f"{i}.jpg", data=PASSES), row)] for i in range(3)]
    queue.put(sorted((f.index, f.code) for chunk in _run_chunks(chunks, job=job, workers=2) for f in chunk))


def test_the_pool_starts_inside_a_daemonic_process_as_celerys_prefork_workers_are():
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_check_in_a_daemon, args=(queue,), daemon=True)
    worker.start()
    assert queue.get(timeout=60) == [(0, "passed"), (1, "passed"), (2, "passed")]
    worker.join(timeout=30)
    assert worker.exitcode == 0


@pytest.mark.django_db(transaction=True)  # the pool's writer threads have connections of their own
def test_a_database_gone_mid_batch_keeps_the_zip_for_the_resumed_run(tmp_path, campaign, roster, staff, monkeypatch):
    """The zip was deleted on the way out of any error: the resumed run found nothing to import."""
    s1, s2, *_ = roster
    entries = [(f"{s1.student_no}.jpg", PASSES, {}), (f"{s2.student_no}.jpg", PASSES, {})]
    path = build_zip(tmp_path / "照片.zip", entries)
    client = logged_in(staff)
    real_import = jobkinds.batch_import.import_batch

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as busy_worker:  # queued, not run at once
        busy_worker.setattr(job_tasks.run_job, "enqueue", lambda *args, **kwargs: None)
        job_id = _post(client, path)
    monkeypatch.setattr(jobkinds.batch_import, "import_batch", database_gone)
    with pytest.raises(OperationalError):
        run_job(job_id=job_id)
    monkeypatch.setattr(jobkinds.batch_import, "import_batch", real_import)
    Job.objects.filter(pk=job_id).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert run_job(job_id=job_id) == JobStatus.DONE
    job = Job.objects.get(pk=job_id)
    assert job.attempts == 2 and job.counts == {"files": 2, "passed": 2, "requests_created": 2}
    assert RetakePhoto.objects.filter(request__student__in=[s1, s2]).count() == 2
