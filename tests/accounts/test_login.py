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


def test_one_nat_address_with_many_failures_does_not_lock_out_its_neighbours(client):
    """Issue 11, item 7: a campus NAT address with 20 failures (other accounts) still lets others in."""
    make_user(Role.STAFF, username="victim", password="right-password-1")
    for i in range(20):
        login(client, f"guess{i}", "wrong", address="10.9.9.9")
    assert login(client, "victim", "right-password-1", address="10.9.9.9").status_code == 302


def test_one_account_is_locked_from_every_address_after_many_failures(client, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    settings.LOGIN_THROTTLE_MAX_FAILURES_PER_ACCOUNT = 6
    make_user(Role.STAFF, username="jwc", password="right-password-1")
    for i in range(6):  # two tries each from three addresses: no pair reaches 3
        login(client, "jwc", "wrong", address=f"10.3.3.{i % 3}")
    assert "登录失败次数过多" in login(client, "jwc", "right-password-1", address="10.4.4.4").content.decode()


def test_a_spraying_address_hits_the_address_ceiling(client, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS = 10
    make_user(Role.STAFF, username="victim", password="right-password-1")
    for i in range(10):
        login(client, f"guess{i}", "wrong", address="10.9.9.9")
    assert "登录失败次数过多" in login(client, "victim", "right-password-1", address="10.9.9.9").content.decode()


def test_identifiers_are_normalised_before_counting(client, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    make_user(Role.STAFF, username="jwc", password="right-password-1")
    for typed in ("jwc", " JWC", "ｊｗｃ"):  # case, a space, full-width letters: one account
        login(client, typed, "wrong")
    assert "登录失败次数过多" in login(client, "jwc", "right-password-1").content.decode()


def test_admin_login_is_throttled_too(client, settings):
    """The reproduction: 30 wrong passwords on /admin/login/, then the right one, logged in."""
    make_user(Role.STAFF, username="jwc", password="right-password-1", is_staff=True)
    for _ in range(30):
        client.post("/admin/login/", {"username": "jwc", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    assert LoginFailure.objects.count() >= settings.LOGIN_THROTTLE_MAX_FAILURES
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "jwc", "password": "right-password-1"}, REMOTE_ADDR="10.1.1.1"
    )
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_store_no_typed_text(client):
    """Issue 11, item 4: an ID number (or a password) typed as the username is not kept readable."""
    typed = "210202199901011234"
    login(client, typed, "wrong")
    login(client, "coord_cs", "wrong")
    stored = list(LoginFailure.objects.values_list("identifier", "shown"))
    assert len(stored) == 2
    for identifier, shown in stored:
        assert typed not in identifier and typed not in shown and "coord_cs" not in shown
    assert {shown for _i, shown in stored} == {"210202********1234", "co****cs"}


def test_successful_login_clears_failures(client):
    make_user(Role.STAFF, username="jwc", password="right-password-1")
    login(client, "jwc", "wrong")
    assert login(client, "jwc", "right-password-1").status_code == 302
    assert not LoginFailure.objects.exists()
