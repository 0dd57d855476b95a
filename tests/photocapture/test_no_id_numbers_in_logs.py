"""Issue 11, item 4: after a scripted capture day, no full ID number in the server log, in mail
printed to the console, in a URL (what an access log keeps) or in the stored login failures."""

import io
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, LoginFailure, Role
from notifications.models import Delivery
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db
STRANGER = "11010519491231002X"  # valid, on no roster


@pytest.fixture
def server_log():
    """Everything any logger writes, as the server's console handler would see it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    previous = {}
    for logger in loggers:
        previous[logger] = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(previous[logger])


class Visits:
    """A test client that keeps every URL it was sent to, the way an access log would."""

    def __init__(self, client):
        self.client, self.urls = client, []

    def _keep(self, response):
        for request in [*(r for r, _s in getattr(response, "redirect_chain", [])), None]:
            if request is not None:
                self.urls.append(request)
        self.urls.append(f"{response.request['PATH_INFO']}?{response.request.get('QUERY_STRING', '')}")
        return response

    def get(self, *args, **kwargs):
        return self._keep(self.client.get(*args, **kwargs))

    def post(self, *args, **kwargs):
        return self._keep(self.client.post(*args, **kwargs))


def test_a_scripted_day_leaves_no_full_id_number_behind(
    client, settings, capsys, server_log, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "core.mail.RedactingConsoleBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    campaign = make_campaign()
    college, other = make_college("计算机学院"), make_college("经济管理学院")
    slot = make_slot(campaign, group="金石滩第一组", date=timezone.localdate())
    other_slot = make_slot(campaign, group="金石滩第一组", start="09:50", end="11:00", date=timezone.localdate())
    make_audience(slot, college=college)
    make_audience(other_slot, college=other)
    student_user = make_user(Role.STUDENT)
    students = [make_student(campaign, college, user=student_user)] + [
        make_student(campaign, college) for _ in range(3)
    ]
    outsider = make_student(campaign, other)
    refresh_slot_assignments(campaign=campaign)
    ids = [s.id_number for s in [*students, outsider]] + [STRANGER]

    operator = make_user(Role.OPERATOR)
    operator.capture_groups.add(slot.group)
    coordinator = make_user(Role.COORDINATOR, email="coord@example.edu.cn")
    coordinator.colleges.add(college)
    visits = Visits(client)

    # Desk swipes by ID card: captured, repeated, wrong slot, a stranger, a mistyped number.
    client.force_login(operator)
    swipe = reverse("capture_day:desk_swipe", args=[slot.pk])
    for code in [students[0].id_number, students[0].id_number, students[1].id_number, outsider.id_number, STRANGER]:
        visits.post(swipe, {"code": code}, HTTP_X_REQUESTED_WITH="fetch")
        visits.post(swipe, {"code": code}, follow=True)  # without JavaScript
    visits.post(swipe, {"code": students[2].id_number[:-1] + "0"}, HTTP_X_REQUESTED_WITH="fetch")
    visits.get(reverse("capture_day:desk", args=[slot.pk]))

    # Fee lookups by ID card, with and without JavaScript, in and out of scope.
    client.force_login(coordinator)
    for code in [students[0].id_number, outsider.id_number, STRANGER]:
        visits.post(reverse("fees:lookup"), {"campaign": campaign.code, "q": code}, HTTP_X_REQUESTED_WITH="fetch")
        visits.post(reverse("fees:lookup"), {"campaign": campaign.code, "q": code})
    visits.get(reverse("fees:entry"), {"campaign": campaign.code})

    # A problem report quoting the student's own ID number, mailed to the coordinator.
    client.force_login(student_user)
    with django_capture_on_commit_callbacks(execute=True):
        visits.post(
            reverse("verification:report_problem"),
            {"problem_type": "wrong_data", "description": f"我的身份证号应为 {students[0].id_number}，学信网上错了"},
            follow=True,
        )
    assert Delivery.objects.filter(channel="email", status="sent").exists(), "the report was not mailed"

    # Failed logins and activations that type an ID number where the username goes.
    client.logout()
    for address in ("10.0.0.1", "10.0.0.2"):
        visits.post(
            reverse("accounts:login"), {"username": students[1].id_number, "password": "x"}, REMOTE_ADDR=address
        )
        visits.post("/admin/login/", {"username": students[2].id_number, "password": "x"}, REMOTE_ADDR=address)
    visits.post(
        reverse("activation:activate"),
        {
            "student_no": students[3].id_number,
            "name": students[3].name,
            "id_number": students[3].id_number,
            "password1": "Graduate-2021!",
            "password2": "Graduate-2021!",
        },
    )
    assert LoginFailure.objects.count() >= 5

    printed = capsys.readouterr()
    assert "coord@example.edu.cn" in printed.out, "the console mail backend printed nothing; nothing was tested"
    stored_failures = " ".join(" ".join(map(str, row)) for row in LoginFailure.objects.values_list())
    audit = " ".join(json.dumps(data, ensure_ascii=False) for data in AuditEvent.objects.values_list("data", flat=True))
    places = {
        "server log": server_log.getvalue(),
        "stdout (console mail)": printed.out,
        "stderr": printed.err,
        "URLs": "\n".join(visits.urls),
        "stored login failures": stored_failures,
        "audit trail": audit,
    }
    assert "210202" in places["stdout (console mail)"] or "******" in places["stdout (console mail)"]
    for place, text in places.items():
        leaked = [number for number in ids if number in text or number.lower() in text]
        assert leaked == [], f"full ID numbers in the {place}: {leaked}"
