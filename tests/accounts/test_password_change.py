"""A password change page for every role, linked from the header; pages that show passwords are
never stored by a browser or proxy (issue 25: the counselor page asked for a change that only
the admin offered, and the page with the initial passwords could be cached)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import AuditEvent, Role
from sessions_app.models import Student
from tests.factories import make_campaign, make_college, make_student, make_user

pytestmark = pytest.mark.django_db

OLD, NEW = "旧密码-Old-2026", "新密码-Fresh-2026"


@pytest.mark.parametrize("role", [Role.STAFF, Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_every_role_changes_its_password_from_the_header(client, role):
    user = make_user(role)
    user.set_password(OLD)
    user.save()
    if role == Role.STUDENT:
        make_student(make_campaign(), make_college("经济管理学院"), user=user)
    assert client.login(username=user.username, password=OLD)
    url = reverse("accounts:password_change")
    home = client.get("/", follow=True).content.decode()
    assert f'href="{url}"' in home and "修改密码" in home

    page = client.get(url)
    assert page.status_code == 200 and "当前密码" in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    wrong = client.post(url, {"old_password": "不对", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and "no-store" in wrong["Cache-Control"]
    assert get_user_model().objects.get(pk=user.pk).check_password(OLD)

    response = client.post(url, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "密码已修改" in response.content.decode()
    assert get_user_model().objects.get(pk=user.pk).check_password(NEW)
    # Still signed in on this browser; the change is on the audit trail.
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="account.password_change", actor=user).count() == 1


def test_a_weak_new_password_is_refused_with_the_reason(client):
    user = make_user(Role.COUNSELOR)
    user.set_password(OLD)
    user.save()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": OLD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200 and "12345678" not in response.content.decode()
    assert get_user_model().objects.get(pk=user.pk).check_password(OLD)


def test_the_page_showing_initial_passwords_is_never_stored(client):
    campaign, college = make_campaign(), make_college("经济管理学院")
    make_student(campaign, college, counselor_name="王芳")
    client.force_login(make_user(Role.STAFF))
    response = client.post(reverse("roster:counselors"), {"name": [f"{college.pk}:王芳"]})
    [created] = response.context["created"]
    assert created.password in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert Student.objects.get(counselor_name="王芳").counselor.username == created.username


def test_the_password_page_needs_a_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
