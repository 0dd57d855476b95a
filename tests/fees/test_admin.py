from django.urls import reverse

from accounts.models import Role
from fees import services
from fees.models import Entry, Method
from tests.factories import make_user

from .conftest import key


def test_ledger_admin_is_read_only(client, captured, coordinator):
    entry = services.post_payment(
        student=captured, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key()
    ).entry
    admin = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:fees_entry_changelist"))
    assert listing.status_code == 200 and captured.student_no in listing.content.decode()
    assert client.get(reverse("admin:fees_entry_add")).status_code == 403
    assert client.post(reverse("admin:fees_entry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    page = client.get(reverse("admin:fees_entry_change", args=[entry.pk])).content.decode()
    assert 'name="amount"' not in page
    assert Entry.objects.filter(pk=entry.pk).exists()
    for name in ("callbacklog", "feeaccount", "remittance", "remittanceconfirmation", "servicecount", "feenotice"):
        assert client.get(reverse(f"admin:fees_{name}_changelist")).status_code == 200
