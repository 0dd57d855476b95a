"""Counselors named in a roster before they have an account (issue 9, item 6)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.models import Student
from sessions_app.roster.counselors import create_counselor_accounts, names_without_account
from sessions_app.roster.services import import_roster
from tests.factories import make_user
from tests.roster_world import build_world, student_row, write_xlsx


@pytest.fixture
def world(db):
    return build_world()


def test_students_keep_the_name_and_are_linked_when_staff_create_the_accounts(world, tmp_path, client):
    rows = [student_row(1, 辅导员="王芳"), student_row(2, 辅导员="王芳"), student_row(3, 辅导员="李老师")]
    report = import_roster(campaign=world.campaign, source=write_xlsx(tmp_path / "a.xlsx", rows), actor=world.staff)
    assert report.ok and report.created == 3
    assert report.counselors_without_account == {"王芳": 2}
    assert list(Student.objects.filter(counselor_name="王芳").values_list("counselor", flat=True)) == [None, None]
    assert Student.objects.get(student_no="2017000003").counselor == world.counselor
    assert names_without_account(campaign=world.campaign) == [("王芳", 2)]

    client.force_login(world.staff)
    page = client.get(reverse("roster:counselors")).content.decode()
    assert "王芳" in page
    response = client.post(reverse("roster:counselors"), {"name": ["王芳"]})
    page = response.content.decode()
    [created] = response.context["created"]
    assert created.name == "王芳" and created.students == 2 and created.username in page
    assert list(Student.objects.filter(counselor_name="王芳").values_list("counselor__display_name", flat=True)) == [
        "王芳",
        "王芳",
    ]
    assert names_without_account(campaign=world.campaign) == []
    # A second click creates nothing more.
    assert create_counselor_accounts(names=["王芳"], actor=world.staff) == []


def test_an_account_made_in_the_admin_links_the_students_too(world, tmp_path):
    import_roster(
        campaign=world.campaign,
        source=write_xlsx(tmp_path / "a.xlsx", [student_row(1, 辅导员="赵强")]),
        actor=world.staff,
    )
    user = make_user(Role.COUNSELOR, display_name="赵强")
    assert Student.objects.get(student_no="2017000001").counselor == user


def test_counselor_page_is_staff_only(world, client):
    client.force_login(world.counselor)
    assert client.get(reverse("roster:counselors")).status_code == 403
