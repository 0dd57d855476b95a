"""The passed electronic photos as one zip with a manifest: staff only, audited, named as staff choose."""

import io
import tempfile
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from jobs.models import Job
from retakes import photo_export, services
from retakes.models import Channel
from tests.factories import make_college, make_student
from tests.jobs_support import start_from_page

from .batch_support import FAILS, PASSES
from .view_support import logged_in

pytestmark = pytest.mark.django_db


def _with_photo(student, actor, data):
    report = services.check_photo(data)
    return services.attach_checked_photo(
        student=student, data=data, report=report, actor=actor, channel=Channel.CENTRAL
    )


@pytest.fixture
def photographed(campaign, college, other_college, staff):
    passed = make_student(campaign, college, name="甲一", class_name="计算机1701")
    other_class = make_student(campaign, college, name="乙二", class_name="计算机1702")
    failing = make_student(campaign, college, name="丙三", class_name="计算机1701")
    accepted_anyway = make_student(campaign, college, name="丁四", class_name="计算机1701")
    elsewhere = make_student(campaign, other_college, name="戊五")
    for student in (passed, other_class, elsewhere):
        _with_photo(student, staff, PASSES)
    _with_photo(failing, staff, FAILS)
    request = _with_photo(accepted_anyway, staff, FAILS).request
    services.review_photo(request=request, actor=staff, accept=True, reason="背景为单位统一补拍，可用")
    return {"passed": passed, "other_class": other_class, "failing": failing, "accepted": accepted_anyway,
            "elsewhere": elsewhere}  # fmt: skip


def _zip_from_job_page(client, data):
    job_id = start_from_page(client, reverse("retakes:photo_export") + "?campaign=bk2021", data)
    page = client.get(reverse("jobs:detail", args=[job_id])).content.decode()
    assert "已完成" in page and reverse("jobs:file", args=[job_id]) in page, page
    response = client.get(reverse("jobs:file", args=[job_id]))
    assert response.status_code == 200
    return job_id, zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_staff_download_a_colleges_passed_photos_named_by_id_number_with_a_manifest(college, staff, photographed):
    client = logged_in(staff)
    form = client.get(reverse("retakes:photo_export") + "?campaign=bk2021").content.decode()
    assert "身份证号.jpg" in form and college.name in form
    job_id, archive = _zip_from_job_page(client, {"name_by": "id_number", "college": college.pk})
    p, acc = photographed["passed"], photographed["accepted"]
    expected = {f"{s.id_number}.jpg" for s in (p, photographed["other_class"], acc)}
    assert set(archive.namelist()) == expected | {"manifest.xlsx"}
    assert archive.read(f"{p.id_number}.jpg") == PASSES  # the stored file, byte for byte
    assert archive.read(f"{acc.id_number}.jpg") == FAILS  # accepted by staff with a reason
    rows = list(
        load_workbook(io.BytesIO(archive.read("manifest.xlsx")), read_only=True).active.iter_rows(values_only=True)
    )
    assert rows[0][:4] == ("文件名", "学号", "姓名", "身份证号")
    by_file = {row[0]: row for row in rows[1:]}
    assert set(by_file) == expected
    assert by_file[f"{p.id_number}.jpg"][1:4] == (p.student_no, "甲一", p.id_number)
    assert by_file[f"{acc.id_number}.jpg"][6:8] == ("未通过", "通过")
    event = AuditEvent.objects.get(action="retake.photo_export")
    assert event.actor == staff and event.data["photos"] == 3 and event.data["college_id"] == college.pk
    assert Job.objects.get(pk=job_id).counts == {"photos": 3}


def test_a_class_by_student_number(campaign, staff, photographed):
    stream = tempfile.TemporaryFile()
    summary = photo_export.export_photos(
        campaign=campaign, actor=staff, stream=stream, name_by="student_no", class_name="计算机1702"
    )
    assert summary.photos == 1
    names = zipfile.ZipFile(stream).namelist()
    assert names == [f"{photographed['other_class'].student_no}.jpg", "manifest.xlsx"]


def test_a_counselor_cannot_make_one(campaign, counselor, photographed):
    client = logged_in(counselor)
    assert client.get(reverse("retakes:photo_export") + "?campaign=bk2021").status_code == 403
    assert (
        client.post(reverse("retakes:photo_export") + "?campaign=bk2021", {"name_by": "id_number"}).status_code == 403
    )
    with pytest.raises(services.RetakeError) as refused:
        photo_export.export_photos(campaign=campaign, actor=counselor, stream=io.BytesIO())
    assert refused.value.code == "staff_only"
    assert not Job.objects.filter(kind="retakes.photo_export").exists()
    assert not AuditEvent.objects.filter(action="retake.photo_export").exists()


def test_queries_stay_flat_with_ten_times_the_photos(campaign, staff):
    college = make_college("理学院")

    def queries_for(n):
        for _ in range(n):
            _with_photo(make_student(campaign, college), staff, PASSES)
        with CaptureQueriesContext(connection) as captured:
            photo_export.export_photos(campaign=campaign, actor=staff, stream=tempfile.TemporaryFile())
        return len(captured)

    assert queries_for(2) == queries_for(18)
