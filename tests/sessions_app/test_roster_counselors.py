"""Counselors named in a roster before they have an account (issue 9, item 6)."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
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
    assert [(r.college, r.name, r.students) for r in names_without_account(campaign=world.campaign)] == [
        ("机电工程学院", "王芳", 2)
    ]

    client.force_login(world.staff)
    page = client.get(reverse("roster:counselors")).content.decode()
    assert "王芳" in page and f'value="{world.mech.pk}:王芳"' in page
    response = client.post(reverse("roster:counselors"), {"name": [f"{world.mech.pk}:王芳"]})
    page = response.content.decode()
    [created] = response.context["created"]
    assert created.name == "王芳" and created.students == 2 and created.username in page
    assert created.college == "机电工程学院"
    assert list(Student.objects.filter(counselor_name="王芳").values_list("counselor__display_name", flat=True)) == [
        "王芳",
        "王芳",
    ]
    assert names_without_account(campaign=world.campaign) == []
    # A second click creates nothing more.
    assert create_counselor_accounts(names=[(world.mech.pk, "王芳")], actor=world.staff) == []


def test_one_name_in_two_colleges_is_two_counselors(world, tmp_path, client):
    """Issue 25: an account made from a roster name linked every college's students who gave the
    same name, and the second real counselor could never get an account."""
    rows = [
        student_row(1, 辅导员="同名老师"),
        student_row(2, 辅导员="同名老师"),
        student_row(3, 学院="计算机科学与工程学院", 辅导员="同名老师"),
    ]
    import_roster(campaign=world.campaign, source=write_xlsx(tmp_path / "a.xlsx", rows), actor=world.staff)
    client.force_login(world.staff)
    page = client.get(reverse("roster:counselors")).content.decode()
    # Two lines, each to be confirmed: nothing is ticked for staff.
    assert f'value="{world.mech.pk}:同名老师"' in page and f'value="{world.cs.pk}:同名老师"' in page
    assert "checked" not in page

    response = client.post(reverse("roster:counselors"), {"name": [f"{world.mech.pk}:同名老师"]})
    [mech] = response.context["created"]
    assert mech.students == 2
    mech_user = User.objects.get(username=mech.username)
    assert set(Student.objects.filter(counselor=mech_user).values_list("student_no", flat=True)) == {
        "2017000001",
        "2017000002",
    }
    cs_student = Student.objects.get(student_no="2017000003")
    assert cs_student.counselor is None
    # The second real counselor can still get an account, for their own college's student.
    assert [(r.college, r.name) for r in names_without_account(campaign=world.campaign)] == [
        ("计算机科学与工程学院", "同名老师")
    ]
    response = client.post(reverse("roster:counselors"), {"name": [f"{world.cs.pk}:同名老师"]})
    [cs] = response.context["created"]
    assert cs.students == 1 and cs.username != mech.username
    cs_student.refresh_from_db()
    assert cs_student.counselor.username == cs.username

    # Next year's roster names 同名老师 in both colleges: each row goes to its own college's counselor.
    rows = [student_row(4, 辅导员="同名老师"), student_row(5, 学院="计算机科学与工程学院", 辅导员="同名老师")]
    report = import_roster(campaign=world.campaign, source=write_xlsx(tmp_path / "b.xlsx", rows), actor=world.staff)
    assert report.ok, report.errors
    assert Student.objects.get(student_no="2017000004").counselor == mech_user
    assert Student.objects.get(student_no="2017000005").counselor.username == cs.username


def test_an_admin_made_account_is_not_linked_across_colleges(world, tmp_path):
    rows = [student_row(1, 辅导员="同名老师"), student_row(2, 学院="计算机科学与工程学院", 辅导员="同名老师")]
    import_roster(campaign=world.campaign, source=write_xlsx(tmp_path / "a.xlsx", rows), actor=world.staff)
    user = make_user(Role.COUNSELOR, display_name="同名老师")  # no college: which one is meant is unknown
    assert not Student.objects.filter(counselor__isnull=False, counselor_name="同名老师").exists()
    # Staff give the account its college (the admin's second step): that college's student only.
    user.colleges.add(world.cs)
    assert list(Student.objects.filter(counselor=user).values_list("student_no", flat=True)) == ["2017000002"]
    assert Student.objects.get(student_no="2017000001").counselor is None


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
