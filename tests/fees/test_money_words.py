"""Money screens say in words what a negative would hide (issue 13, item 4)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fees.glossary import TERMS
from fees.models import Method
from fees.remittances import confirm_remittance, create_remittance
from fees.services import post_payment
from tests.factories import make_student

from .conftest import capture, key, uncapture

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def over_remitted(campaign, college, coordinator, staff):
    """Two students paid cash and were remitted; then one capture is undone at the desk."""
    captures = []
    for name in ("张三", "李四"):
        student = make_student(campaign, college, name=name)
        captures.append(capture(student))
        post_payment(student=student, amount="17.00", method=Method.CASH, actor=coordinator, idempotency_key=key())
    remittance, _ = create_remittance(campaign=campaign, college=college, actor=coordinator, idempotency_key=key())
    confirm_remittance(remittance=remittance, actor=staff, received_amount=Decimal("17.00"))
    uncapture(captures[0], actor=staff)
    return remittance


def test_coordinator_sees_an_excess_in_words_with_what_to_do(client, campaign, coordinator, over_remitted):
    client.force_login(coordinator)
    page = text(client.get(reverse("fees:remittances") + f"?campaign={campaign.code}"))
    assert "-17.00" not in page
    assert "多交 ¥17.00" in page and "退回学院，或结转抵扣下次上交" in page
    assert "少收 ¥17.00" in page  # 教务处 confirmed ¥17 of the ¥34 remitted


def test_staff_reconciliation_has_no_bare_negative(client, campaign, staff, over_remitted):
    client.force_login(staff)
    page = text(client.get(reverse("fees:reconciliation") + f"?campaign={campaign.code}"))
    assert not re.search(r"-\d+\.\d\d", page), re.findall(r".{20}-\d+\.\d\d", page)
    assert "多交 ¥17.00" in page and "少收 ¥17.00" in page


def test_a_paid_up_college_says_so(client, campaign, college, coordinator, student):
    capture(student)
    post_payment(student=student, amount="17.00", method=Method.CASH, actor=coordinator, idempotency_key=key())
    create_remittance(campaign=campaign, college=college, actor=coordinator, idempotency_key=key())
    client.force_login(coordinator)
    page = text(client.get(reverse("fees:remittances") + f"?campaign={campaign.code}"))
    assert "已交清" in page and "多交" not in page


def test_every_figure_is_named_from_the_glossary_and_defined_on_the_page(client, campaign, coordinator, staff, student):
    capture(student)
    client.force_login(coordinator)
    page = client.get(reverse("fees:remittances") + f"?campaign={campaign.code}").content.decode()
    for label, meaning in TERMS.values():
        if label != "差额":  # shown to a coordinator only once 教务处 has confirmed a difference
            assert f'title="{meaning}">{label}</abbr>' in page and f"<dt>{label}</dt><dd>{meaning}</dd>" in page
    for retired in ("待上交", "本次可上交", "学院手中现金", "学生欠费"):
        assert retired not in page

    client.force_login(staff)
    page = client.get(reverse("fees:reconciliation") + f"?campaign={campaign.code}").content.decode()
    for label, meaning in TERMS.values():
        assert f'title="{meaning}">{label}</abbr>' in page
    for retired in ("待上交", "学院手中现金", "学院待上交"):
        assert retired not in page


def test_a_college_nobody_has_photographed_is_shown_as_such_not_as_paid_up(client, campaign, college, staff):
    make_student(campaign, college)
    client.force_login(staff)
    page = text(client.get(reverse("fees:reconciliation") + f"?campaign={campaign.code}"))
    assert "尚未采集" in page and "已交清" not in page and "无差额" not in page
