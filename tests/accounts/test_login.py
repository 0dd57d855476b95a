import pytest
from django.urls import reverse

from accounts.models import LoginFailure, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def login(client, username, password, address="10.1.1.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_page_is_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert "用户名（学生为学号）" in response.content.decode()


def test_failed_logins_are_throttled_per_username(client, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    make_user(Role.STAFF, username="jwc", password="right-password-1")
    for _ in range(3):
        assert "用户名或密码不正确" in login(client, "jwc", "wrong").content.decode()
    blocked = login(client, "jwc", "right-password-1")
    assert "登录失败次数过多" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttle_counts_per_address_across_usernames(client, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 2
    make_user(Role.STAFF, username="victim", password="right-password-1")
    for i in range(8):
        login(client, f"guess{i}", "wrong", address="10.9.9.9")
    assert "登录失败次数过多" in login(client, "victim", "right-password-1", address="10.9.9.9").content.decode()
    assert login(client, "victim", "right-password-1", address="10.2.2.2").status_code == 302


def test_successful_login_clears_failures(client):
    make_user(Role.STAFF, username="jwc", password="right-password-1")
    login(client, "jwc", "wrong")
    assert login(client, "jwc", "right-password-1").status_code == 302
    assert not LoginFailure.objects.filter(username="jwc").exists()
