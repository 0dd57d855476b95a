"""Headers every response carries, and exports that no browser or proxy may keep."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import make_campaign, make_college, make_student, make_user
from tests.jobs_support import export_file

pytestmark = pytest.mark.django_db


def test_login_page_carries_the_security_headers(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_styles_or_handlers_the_policy_would_block(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert " style=" not in body and " onclick=" not in body


EXPORTS = ["attendance", "fees", "retakes", "roster", "shots", "verification"]


def test_every_registered_export_is_checked_below():
    from core.registries import exporters

    assert sorted(exporters()) == EXPORTS


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_with_personal_data_are_never_stored(client, name):
    campaign = make_campaign(code="2021")
    make_student(campaign, make_college("计算机科学与工程学院"))
    client.force_login(make_user(Role.STAFF))
    _page, response = export_file(client, name, campaign.code)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
