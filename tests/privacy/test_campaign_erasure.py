"""Erasing a whole demo campaign: killed half-way, run again, then nothing of its students' ID
numbers or phone numbers is left in any table or file, and the other campaign is untouched."""

import datetime
import io
import json
import re
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.urls import reverse

from accounts.models import AuditEvent
from demo.run import seed_demo
from fees.models import FeeAccount
from intake import staging
from jobs.models import Job, JobStatus
from jobs.services import expire_files, run_job
from notifications.models import Delivery, Notification
from privacy import services
from privacy.models import ERASE_KIND, CampaignErasure
from retakes.models import RetakePhoto, RetakeRequest
from sessions_app.idcard import id_number_hash
from sessions_app.models import Campaign, Capture, Student
from verification.models import ProblemReport, ProblemType, VerificationRecord
from verification.services import report_problem

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
ON_THE_DAY = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock_on_the_day():
    with time_machine.travel(ON_THE_DAY, tick=True):
        yield


@pytest.fixture
def demo():
    return seed_demo(size=0.04, today=TODAY)


def _text_fields(model) -> list[str]:
    kinds = (models.CharField, models.TextField, models.JSONField, models.FileField)
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, kinds)]


def found_in_tables(pattern: re.Pattern) -> list[str]:
    """Every text and JSON column of every table, each value as the database returns it."""
    hits = []
    for model in apps.get_models(include_auto_created=True):
        fields = _text_fields(model)
        if not fields:
            continue
        for row in model._base_manager.values_list("pk", *fields).iterator(chunk_size=2000):
            for name, value in zip(fields, row[1:], strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                match = pattern.search(text or "")
                if match:
                    hits.append(f"{model._meta.db_table}.{name} #{row[0]}: {match.group()}")
    return hits


def found_in_files(root: Path, pattern: re.Pattern) -> list[str]:
    """Every file under MEDIA_ROOT, and every member of a workbook (a zip) among them."""
    hits = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        blobs = [data]
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                blobs = [archive.read(name) for name in archive.namelist()]
        for blob in blobs:
            match = pattern.search(blob.decode("utf-8", "replace"))
            if match:
                hits.append(f"{path.relative_to(root)}: {match.group()}")
    return hits


def snapshot(campaign: Campaign) -> dict:
    students = Student.objects.filter(campaign=campaign)
    return {
        "students": list(students.order_by("pk").values()),
        "reports": list(ProblemReport.objects.filter(campaign=campaign).order_by("pk").values()),
        "retakes": list(RetakeRequest.objects.filter(campaign=campaign).order_by("pk").values()),
        "photos": list(RetakePhoto.objects.filter(request__campaign=campaign).order_by("pk").values()),
        "deliveries": list(Delivery.objects.filter(notification__student__campaign=campaign).order_by("pk").values()),
        "fees": list(FeeAccount.objects.filter(campaign=campaign).order_by("pk").values()),
    }


def test_a_demo_campaign_erased_in_two_runs_keeps_no_id_or_phone_and_spares_the_other(demo, monkeypatch, settings):
    campaign, other = demo.current.campaign, Campaign.objects.get(code="2021")
    Campaign.objects.filter(pk=campaign.pk).update(phase_override="closed")
    campaign.refresh_from_db()
    students = Student.objects.filter(campaign=campaign)
    secrets = {n for pair in students.values_list("id_number", "phone") for n in pair if n}
    # The same person in both rosters would legitimately stay in the other one.
    secrets -= {n for pair in Student.objects.filter(campaign=other).values_list("id_number", "phone") for n in pair}
    assert len(secrets) > 2 * students.count() * 0.9
    pattern = re.compile("|".join(sorted(secrets)))
    assert found_in_tables(pattern), "the scan must see the numbers before the erasure"

    # What else holds them: a bound 采集码, a problem text with a phone number in it, an export's
    # workbook and the staged upload an import job names, as a clerk would have left them.
    first = students.order_by("pk").first()
    Student.objects.filter(pk=first.pk).update(collection_code_hash="ab" * 32)
    with_coordinator = students.filter(college__coordinators__isnull=False).exclude(phone="")
    quiet = with_coordinator.exclude(problem_reports__isnull=False).order_by("pk").last()
    report_problem(
        student=quiet, problem_type=ProblemType.WRONG_DATA, description=f"请打 {quiet.phone} 联系我", actor=None
    )
    told = Notification.objects.filter(kind="verification_problem").values_list("data", flat=True)
    assert any(quiet.phone in (data.get("text") or "") for data in told)  # the coordinators were told
    staff = services.system_owner()
    export = Job.objects.create(
        kind="export", key="roster:x", owner=staff, params={"campaign_id": campaign.pk}, status=JobStatus.DONE
    )
    roster = openpyxl.Workbook()
    for number, phone in students.values_list("id_number", "phone"):
        roster.active.append([number, phone])
    stream = io.BytesIO()
    roster.save(stream)
    export.file.save("roster.xlsx", ContentFile(stream.getvalue()))
    token = staging.store("roster", "\n".join(students.values_list("id_number", flat=True)).encode())
    Job.objects.create(
        kind="roster.check",
        key="k",
        owner=staff,
        status=JobStatus.DONE,
        params={"campaign_id": campaign.pk, "staging": "roster", "token": token},
    )
    assert RetakePhoto.objects.filter(request__campaign=campaign).exclude(file="").exists()
    before_other = snapshot(other)
    media = Path(settings.MEDIA_ROOT)
    assert found_in_files(media, pattern)

    # Killed after its first batch.
    settings.PRIVACY_ERASE_BATCH = 40
    real_batch, calls = services.erase_batch, []

    def dies_on_the_second(ids, **kwargs):
        calls.append(len(ids))
        if len(calls) == 2:
            raise SystemError("worker killed")
        return real_batch(ids, **kwargs)

    monkeypatch.setattr(services, "erase_batch", dies_on_the_second)
    killed = services.start_erasure(campaign=campaign, owner=staff, via="test")
    assert run_job(job_id=killed.pk) == JobStatus.FAILED
    assert students.filter(erased_at__isnull=False).count() == 40
    assert students.filter(erased_at__isnull=True).exists()
    assert CampaignErasure.objects.get(campaign=campaign).finished_at is None
    monkeypatch.setattr(services, "erase_batch", real_batch)

    again = services.start_erasure(campaign=campaign, owner=staff, via="test")
    assert again.pk != killed.pk
    assert run_job(job_id=again.pk) == JobStatus.DONE
    again.refresh_from_db()

    assert found_in_tables(pattern) == []
    assert found_in_files(media, pattern) == []
    assert not students.exclude(id_number="").exists()
    assert not students.filter(erased_at=None).exists()
    assert first.masked_id == Student.objects.get(pk=first.pk).masked_id
    assert Student.objects.get(pk=first.pk).id_number_hash == id_number_hash(first.id_number)
    assert not RetakePhoto.objects.filter(request__campaign=campaign).exclude(file="").exists()
    assert not list((media / "retakes").glob("*")) if (media / "retakes").exists() else True
    erasure = CampaignErasure.objects.get(campaign=campaign)
    assert erasure.finished_at is not None and erasure.runs == 2
    # The two runs together erased every student once.
    assert erasure.counts["students"] == students.count()
    assert erasure.counts["id_numbers"] == students.count()
    assert again.counts["students"] == students.count() - 40
    event = AuditEvent.objects.filter(action="privacy.campaign_erased", campaign=campaign).get()
    assert event.data["total"]["students"] == students.count()

    # The money, the captures and the clock stay; so does the other campaign, whole.
    assert FeeAccount.objects.filter(campaign=campaign).count() > 0
    assert Capture.objects.filter(campaign=campaign).count() > 0
    assert snapshot(other) == before_other

    # The archive: written first, kept as the job's file, with the right counts.
    for job in (killed, again):
        job.refresh_from_db()
        assert job.file and job.kind == ERASE_KIND
    workbook = openpyxl.load_workbook(again.file.path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == students.count()
    captured = Capture.objects.filter(campaign=campaign, undone_at=None).values("student").distinct().count()
    assert sum(1 for r in rows if r[5] == "是") == captured
    verified = VerificationRecord.objects.filter(campaign=campaign, is_active=True, confirmed_at__isnull=False).count()
    assert sum(1 for r in rows if r[11] == "是") == verified
    assert all(re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", r[4]) for r in rows)
    summary = dict(workbook.worksheets[1].iter_rows(min_row=2, max_row=6, values_only=True))
    assert summary["学生"] == students.count() and summary["已采集"] == captured

    # An archive outlives the day-long expiry of other job files.
    with time_machine.travel(ON_THE_DAY + datetime.timedelta(days=30), tick=False):
        expire_files()
    again.refresh_from_db()
    assert again.file

    # Run once more: nothing left to erase, nothing breaks.
    third = services.start_erasure(campaign=campaign, owner=staff, via="test")
    assert run_job(job_id=third.pk) == JobStatus.DONE
    third.refresh_from_db()
    assert third.counts == {}


def test_a_campaign_not_closed_is_refused_by_the_command(demo):
    campaign = demo.current.campaign
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("erase_campaign", campaign.code)
    assert not Student.objects.filter(campaign=campaign, erased_at__isnull=False).exists()
    assert not Job.objects.filter(kind=ERASE_KIND).exists()


def test_the_command_dry_run_counts_and_the_real_run_erases(demo, capsys, client):
    other = Campaign.objects.get(code="2021")  # last year's: closed by its dates
    students = Student.objects.filter(campaign=other)
    call_command("erase_campaign", other.code, "--dry-run")
    out = capsys.readouterr().out
    assert f"学生 {students.count()}" in out and f"完整身份证号 {students.count()}" in out
    assert not students.filter(erased_at__isnull=False).exists()

    call_command("erase_campaign", other.code)
    out = capsys.readouterr().out
    assert f"已删除：学生 {students.count()}" in out and "归档文件" in out
    assert not students.exclude(id_number="").exists()
    assert Student.objects.filter(campaign=demo.current.campaign).exclude(id_number="").count() > 0

    # Staff read on the privacy notice that it is done, and reach its archive.
    client.force_login(services.system_owner())
    page = client.get(reverse("privacy:notice")).content.decode()
    archive = Job.objects.get(kind=ERASE_KIND)
    assert f"“{other.name}”的个人信息已于" in page and reverse("jobs:detail", args=[archive.pk]) in page


def test_beat_starts_the_erasure_only_after_the_retention_date(demo):
    old = Campaign.objects.get(code="2021")
    assert services.due_campaigns(today=TODAY) == [old]  # 2020's deadlines + 180 days are long past
    (job,) = services.start_due_erasures(today=TODAY)
    assert (job.kind, job.params["campaign_id"], job.owner) == (ERASE_KIND, old.pk, services.system_owner())
    assert services.start_due_erasures(today=TODAY) == [job]  # the one already queued, not a second
    Campaign.objects.filter(pk=old.pk).update(retention_days=3650)
    assert services.due_campaigns(today=TODAY) == []


class _Killed(BaseException):
    """kill -9 mid-run: no handler of the job's runs; the row stays running under its lease."""


def test_an_erasure_resumed_after_its_worker_died_keeps_its_first_archive_and_writes_no_second(
    demo, monkeypatch, settings
):
    campaign = demo.current.campaign
    Campaign.objects.filter(pk=campaign.pk).update(phase_override="closed")
    campaign.refresh_from_db()
    real_erase = services.erase_campaign

    def killed(**kwargs):
        raise _Killed

    monkeypatch.setattr(services, "erase_campaign", killed)
    job = services.start_erasure(campaign=campaign, owner=services.system_owner(), via="test")
    with pytest.raises(_Killed):
        run_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.file
    first_name, first_bytes = job.file.name, Path(job.file.path).read_bytes()

    monkeypatch.setattr(services, "erase_campaign", real_erase)
    Job.objects.filter(pk=job.pk).update(lease_expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(1))
    assert run_job(job_id=job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.attempts == 2 and job.file.name == first_name
    assert Path(job.file.path).read_bytes() == first_bytes
    archives = [p for p in (Path(settings.MEDIA_ROOT) / "jobs").rglob("*") if p.is_file()]
    assert archives == [Path(job.file.path)]
