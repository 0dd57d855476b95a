"""Every demo login on the real demo data: its own pages work, other scopes stay closed."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from demo.run import seed_demo
from demo.seed import DEMO_PASSWORD
from sessions_app.models import Student

pytestmark = pytest.mark.django_db

PAGES = {
    "jwc": [
        "sessions_app:staff_overview",
        "roster:upload",
        "fees:index",
        "fees:reconciliation",
        "verification:index",
        "verification:overdue",
        "retakes:index",
        "admin:index",
    ],
    "coord_cs": ["sessions_app:college_overview", "fees:index", "fees:entry", "verification:index"],
    "counselor_cs": ["sessions_app:counselor_students", "retakes:index", "verification:index"],
    "desk_jst1": ["capture_day:desk_index"],
}
STAFF_ONLY = ["sessions_app:staff_overview", "roster:upload", "fees:reconciliation", "verification:import"]


@pytest.fixture
def demo(client):
    # The demo places this year's slots around the clock: a fixed hour, whatever the hour it runs.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        summary = seed_demo(with_captures=False, size=0.05)
        yield {username: username for _role, username, _password in summary.logins}, summary


def login(client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"


def test_each_role_reaches_its_pages_and_no_other(client, demo):
    for username, pages in PAGES.items():
        client.logout()
        login(client, username)
        assert client.get("/", follow=True).status_code == 200
        for name in pages:
            response = client.get(reverse(name))
            assert response.status_code == 200, f"{username} → {name}: {response.status_code}"
        if username != "jwc":
            for name in STAFF_ONLY:
                assert client.get(reverse(name)).status_code in (302, 403, 404), f"{username} reached {name}"


def test_nobody_reaches_another_scope_by_editing_a_url(client, demo):
    from sessions_app.models import Slot

    _logins, summary = demo
    student_user = summary.logins[-2][1]
    login(client, student_user)
    me = Student.objects.get(user__username=student_user)
    home = client.get("/").content.decode()
    assert me.name in home
    # The demo places today's slots around the time it is loaded: the time is the student's own slot's.
    assert "金石滩第一组" in home and me.assigned_slot.time_range() in home
    other = Student.objects.exclude(pk=me.pk).first()
    for name in ("sessions_app:student_detail", "fees:student"):
        assert client.get(reverse(name, args=[other.pk])).status_code in (403, 404)

    client.logout()
    login(client, "coord_cs")
    outsider = Student.objects.exclude(college__name="计算机科学与工程学院").first()
    insider = Student.objects.filter(college__name="计算机科学与工程学院").first()
    assert client.get(reverse("sessions_app:student_detail", args=[insider.pk])).status_code == 200
    for name in ("sessions_app:student_detail", "fees:student"):
        assert client.get(reverse(name, args=[outsider.pk])).status_code in (403, 404)

    client.logout()
    login(client, "desk_jst1")
    current = summary.current.campaign
    own = Slot.objects.filter(group__campaign=current, group__name="金石滩第一组").first()
    other_desk = Slot.objects.filter(group__campaign=current, group__name="开发区第一组").first()
    assert client.get(reverse("capture_day:desk", args=[own.pk])).status_code == 200
    assert client.get(reverse("capture_day:desk", args=[other_desk.pk])).status_code == 404
