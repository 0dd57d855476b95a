import pytest
from django.urls import reverse

from accounts.audit import record_event
from accounts.models import AppendOnlyError, AuditEvent, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_changed_or_deleted():
    event = record_event(actor=None, action="capture", summary="x")
    event.summary = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(summary="y")
    assert AuditEvent.objects.get().summary == "x"


def test_admin_shows_audit_read_only(client):
    staff = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    event = record_event(actor=staff, action="capture", summary="20170101 在 金石滩第一组 采集")
    client.force_login(staff)
    listing = client.get(reverse("admin:accounts_auditevent_changelist"))
    assert "20170101 在 金石滩第一组 采集" in listing.content.decode()
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    delete = client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_only_academic_staff_enter_the_admin(client, role):
    user = make_user(role, is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
