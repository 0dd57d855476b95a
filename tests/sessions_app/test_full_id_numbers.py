"""Issue 11, item 4: the admin shows a student's whole ID number only with the permission, and
every such page view is in the audit trail."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.factories import make_campaign, make_student, make_user

pytestmark = pytest.mark.django_db


def admin_user(*codenames):
    user = make_user(Role.STAFF, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_student", "change_student", *codenames]))
    return user


def test_student_page_without_the_permission_is_masked(client):
    student = make_student(make_campaign())
    client.force_login(admin_user())
    page = client.get(reverse("admin:sessions_app_student_change", args=[student.pk])).content.decode()
    assert student.masked_id in page and student.id_number not in page
    page = client.get(reverse("admin:sessions_app_student_changelist")).content.decode()
    assert student.masked_id in page and student.id_number not in page
    assert not AuditEvent.objects.filter(action="id_numbers.shown_full").exists()


def test_student_page_with_the_permission_is_whole_and_audited(client):
    student = make_student(make_campaign())
    user = admin_user("view_full_id_number")
    client.force_login(user)
    page = client.get(reverse("admin:sessions_app_student_change", args=[student.pk])).content.decode()
    assert student.id_number in page
    event = AuditEvent.objects.get(action="id_numbers.shown_full")
    assert event.actor == user and event.data["rows"] == 1 and event.data["where"] == "admin:student"
