"""Student self-activation (sessions_app/activation.py, page at /accounts/activate/)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.factories import make_campaign, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def graduate():
    return make_student(make_campaign(), name="江红", id_number="11010519491231002X")


def activate(client, student, **overrides):
    data = {
        "student_no": student.student_no,
        "name": student.name,
        "id_number": student.id_number,
        "password1": "Graduate-2021!",
        "password2": "Graduate-2021!",
    }
    data.update(overrides)
    return client.post(reverse("activation:activate"), data)


def test_student_activates_with_the_three_facts_and_lands_on_their_page(client, graduate):
    response = activate(client, graduate, id_number=" " + graduate.id_number.lower() + " ")
    assert response.status_code == 302
    graduate.refresh_from_db()
    assert graduate.user.username == graduate.student_no
    assert graduate.user.role == Role.STUDENT
    assert AuditEvent.objects.filter(action="account.activate").exists()


def test_wrong_facts_give_one_message_that_reveals_nothing(client, graduate):
    wrong_name = activate(client, graduate, name="别人").content.decode()
    wrong_id = activate(client, graduate, id_number="110105194912310021").content.decode()
    assert "学号、姓名与身份证号不匹配" in wrong_name
    assert "学号、姓名与身份证号不匹配" in wrong_id
    graduate.refresh_from_db()
    assert graduate.user is None


def test_account_cannot_be_activated_twice(client, graduate):
    activate(client, graduate)
    client.logout()
    second = activate(client, graduate, password1="Another-pass-99", password2="Another-pass-99")
    assert "已经激活" in second.content.decode()


def test_weak_password_is_refused_with_a_reason(client, graduate):
    response = activate(client, graduate, password1="12345678", password2="12345678")
    assert response.status_code == 200
    graduate.refresh_from_db()
    assert graduate.user is None


def test_spaces_in_a_student_number_do_not_dodge_the_activation_throttle(client, graduate, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    no = graduate.student_no
    for typed in (no, f" {no}", f"{no[:4]} {no[4:]}"):
        activate(client, graduate, student_no=typed, name="别人")
    response = activate(client, graduate, student_no=no)
    assert "尝试次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def reset(client, student, **overrides):
    data = {
        "student_no": student.student_no,
        "name": student.name,
        "id_number": student.id_number,
        "password1": "New-Graduate-2021!",
        "password2": "New-Graduate-2021!",
    }
    data.update(overrides)
    return client.post(reverse("activation:reset_password"), data)


def test_a_student_who_forgot_the_password_sets_a_new_one_with_the_three_facts(client, graduate):
    activate(client, graduate)
    client.logout()
    assert "忘记密码" in client.get(reverse("accounts:login")).content.decode()
    page = client.get(reverse("activation:reset_password"))
    assert "no-store" in page["Cache-Control"] and reverse("accounts:login") in page.content.decode()

    response = reset(client, graduate, id_number=graduate.id_number.lower())
    assert response.status_code == 302
    graduate.refresh_from_db()
    assert graduate.user.check_password("New-Graduate-2021!") and not graduate.user.check_password("Graduate-2021!")
    assert AuditEvent.objects.filter(action="account.password_reset").exists()


def test_resetting_says_the_same_for_a_wrong_fact_and_an_account_never_activated(client, graduate):
    never = reset(client, graduate).content.decode()  # on the roster, never activated
    activate(client, graduate)
    client.logout()
    wrong = reset(client, graduate, name="别人").content.decode()
    message = "学号、姓名与身份证号不匹配，或该学号还没有激活账号"
    assert message in never and message in wrong
    graduate.refresh_from_db()
    assert graduate.user.check_password("Graduate-2021!")


def test_resetting_is_throttled_like_activation(client, graduate):
    activate(client, graduate)
    client.logout()
    for _ in range(12):
        page = reset(client, graduate, name="别人").content.decode()
    assert "尝试次数过多" in page
    assert "尝试次数过多" in reset(client, graduate).content.decode()  # even with the right facts


def test_the_activation_page_leads_back_to_login(client):
    page = client.get(reverse("activation:activate")).content.decode()
    assert reverse("accounts:login") in page and reverse("activation:reset_password") in page
