"""The coordinator's college by class: captured, paid, remitted, verified, as bars and numbers."""

import re
import uuid

import pytest
from django.urls import reverse

from capture_day.services import check_in
from fees import remittances, services
from fees.models import Method
from tests.desk_world import add_students
from verification.services import confirm_verification

pytestmark = pytest.mark.django_db


def capture(world, student):  # noqa: F811
    check_in(campaign=world.campaign, slot=student.assigned_slot, identifier=student.student_no, operator=world.staff)


def cells(html: str, class_name: str) -> dict[str, str]:
    row = re.search(rf'<tr data-class="{class_name}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-bar="(\w+)">([\d/]+)<', row))


def test_each_class_shows_captured_paid_remitted_and_verified(client, world):  # noqa: F811
    for s in (world.econ_student, world.econ_student2, world.x_student):
        capture(world, s)
    for s in (world.econ_student2, world.x_student):
        services.post_payment(
            student=s, amount="17", method=Method.CASH, actor=world.coordinator, idempotency_key=uuid.uuid4().hex
        )
    remittances.create_remittance(
        campaign=world.campaign, college=world.econ, actor=world.coordinator, idempotency_key=uuid.uuid4().hex
    )
    services.post_payment(
        student=world.econ_student,
        amount="17",
        method=Method.CASH,
        actor=world.coordinator,
        idempotency_key=uuid.uuid4().hex,
    )
    confirm_verification(student=world.econ_student, actor=world.student_user)
    client.force_login(world.coordinator)

    overview = client.get(reverse("sessions_app:college_overview")).content.decode()
    assert reverse("capture_day:class_progress") in overview
    html = client.get(reverse("capture_day:class_progress")).content.decode()
    assert cells(html, "经管1701") == {"captured": "1/1", "paid": "1/1", "remitted": "0/1", "verified": "1/1"}
    assert cells(html, "经管1702") == {"captured": "2/2", "paid": "2/2", "remitted": "2/2", "verified": "0/2"}
    assert re.search(r'<progress max="100" value="100"', html)
    assert 'data-total="remitted">2/3<' in html and 'data-total="verified">1/3<' in html
    assert "计算机1701" not in html and "土木1701" not in html  # only the coordinator's college


def test_staff_pick_a_college_and_queries_do_not_grow(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("capture_day:class_progress")
    first = client.get(url, {"college": world.cs.pk}).content.decode()
    assert "计算机1701" in first and "经管1701" not in first and f'value="{world.cs.pk}" selected' in first
    with django_assert_max_num_queries(12) as few:
        client.get(url, {"college": world.econ.pk})
    add_students(world.campaign, world.econ, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url, {"college": world.econ.pk}).content.decode()
    assert html.count("<tr data-class=") >= 3


def test_staff_overview_cards_open_their_college(client, world):  # noqa: F811
    client.force_login(world.staff)
    overview = client.get(reverse("sessions_app:staff_overview")).content.decode()
    link = f"{reverse('sessions_app:college_overview')}?campaign={world.campaign.code}&amp;college={world.cs.pk}"
    assert link in overview
    page = client.get(reverse("sessions_app:college_overview"), {"college": world.cs.pk}).content.decode()
    assert "赵六" in page and "张三" not in page and "钱七" not in page
    assert f'value="{world.cs.pk}" selected' in page
    assert f'<input type="hidden" name="college" value="{world.cs.pk}">' in page  # kept by the class/status filter
