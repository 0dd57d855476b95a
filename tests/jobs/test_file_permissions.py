"""A job's file obeys the permissions of what it holds, and every download is audited (issue 25:
a staff account without the full-ID permission downloaded a colleague's roster export with
4,326 whole ID numbers, and nothing was recorded)."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from accounts.audit import describe
from accounts.models import AuditEvent, Role
from jobs.models import Job
from tests.factories import make_campaign, make_college, make_student, make_user
from tests.jobs_support import export_file, start_from_page

pytestmark = pytest.mark.django_db


def _with_full_ids(user):
    user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: permissions are cached per object


@pytest.fixture
def roster():
    campaign = make_campaign()
    college = make_college("经济管理学院")
    students = [make_student(campaign, college) for _ in range(3)]
    return campaign, college, students


def _ids_in(response) -> set[str]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    ws = wb["学生名单"]
    header = [cell.value for cell in next(ws.iter_rows(max_row=1))]
    column = header.index("身份证号")
    return {row[column] for row in ws.iter_rows(min_row=2, values_only=True) if row[column]}


def test_a_roster_with_whole_ids_is_its_owners_and_full_id_staffs_only(client, roster):
    campaign, _college, students = roster
    owner = _with_full_ids(make_user(Role.STAFF))
    client.force_login(owner)
    _html, response = export_file(client, "roster", campaign.code)
    assert _ids_in(response) == {s.id_number for s in students}
    job = Job.objects.get()
    file_url = reverse("jobs:file", args=[job.pk])

    colleague = make_user(Role.STAFF)
    client.force_login(colleague)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert file_url not in page and "只有发起人和有权查看完整身份证号的教务处人员可以下载" in page
    assert client.get(reverse("jobs:status", args=[job.pk])).json()["file_url"] == ""
    refused = client.get(file_url)
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="job.file_download", actor=colleague).exists()

    trusted = _with_full_ids(make_user(Role.STAFF))
    client.force_login(trusted)
    assert file_url in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert _ids_in(client.get(file_url)) == {s.id_number for s in students}

    # Every download is on the audit trail, in words a reader understands.
    events = list(AuditEvent.objects.filter(action="job.file_download").order_by("pk"))
    assert [e.actor for e in events] == [owner, trusted]
    assert all(e.data["full_ids"] and e.data["owner"] == owner.pk and e.data["job"] == job.pk for e in events)
    shown = describe(events)[-1]
    assert shown.summary == f"下载 {job.file_name}（导出报表，任务 #{job.pk}），含完整身份证号"


def test_a_masked_roster_is_shared_with_other_staff_and_still_audited(client, roster):
    campaign, _college, students = roster
    owner = make_user(Role.STAFF)  # without the permission: the export masks every number
    client.force_login(owner)
    export_file(client, "roster", campaign.code)
    job = Job.objects.get()
    assert job.result == {"full_ids": False}

    colleague = make_user(Role.STAFF)
    client.force_login(colleague)
    response = client.get(reverse("jobs:file", args=[job.pk]))
    assert response.status_code == 200
    assert _ids_in(response) == {s.masked_id for s in students}
    event = AuditEvent.objects.get(action="job.file_download", actor=colleague)
    assert event.data["full_ids"] is False
    assert describe([event])[0].summary == f"下载 {job.file_name}（导出报表，任务 #{job.pk}）"


def test_a_rejected_imports_rows_are_never_shared_without_the_permission(client, roster):
    """An import's rejected rows keep the whole numbers the clerk typed (they fix them in Excel):
    a file that did not say it holds none is treated as holding them."""
    campaign, *_ = roster
    owner = make_user(Role.STAFF)
    job = Job.objects.create(kind="roster.import", key="k", owner=owner, status="failed", error_code="rejected")
    job.file.save("job-rows.xlsx", io.BytesIO(b"rows"), save=True)
    Job.objects.filter(pk=job.pk).update(file_name="错误行.xlsx")
    url = reverse("jobs:file", args=[job.pk])
    client.force_login(make_user(Role.STAFF))
    assert client.get(url).status_code == 403
    client.force_login(_with_full_ids(make_user(Role.STAFF)))
    assert client.get(url).status_code == 200
    client.force_login(owner)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="job.file_download").count() == 2


def test_a_coordinators_export_is_theirs(client, roster):
    campaign, college, _students = roster
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    job_id = start_from_page(client, reverse("export", args=["fees"]) + f"?campaign={campaign.code}")
    assert client.get(reverse("jobs:file", args=[job_id])).status_code == 200
    other = make_user(Role.COORDINATOR)
    other.colleges.add(college)
    client.force_login(other)
    assert client.get(reverse("jobs:file", args=[job_id])).status_code == 404
