"""The admin index lists what a clerk sets up in the order they set it up."""

import re

import pytest

from accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_admin_index_is_in_the_order_a_clerk_works(client):
    client.force_login(make_user(Role.STAFF, is_staff=True, is_superuser=True))
    html = client.get("/admin/").content.decode()
    links = re.findall(r'href="/admin/(\w+)/(\w+)/"', html)
    schedule = list(dict.fromkeys(model for app, model in links if app == "sessions_app"))
    assert schedule[:7] == ["campaign", "campus", "location", "capturegroup", "slot", "college", "student"]
    apps = list(dict.fromkeys(app for app, _ in links))
    assert apps[0] == "sessions_app" and apps[-2:] == ["accounts", "auth"], apps
    assert apps.index("fees") < apps.index("verification") < apps.index("retakes"), apps
