"""Campus single sign-on (issue 22, item 1) against the fake CAS server (tests/fake_cas.py)."""

import datetime
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import requests
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.urls import reverse
from django_cas_ng.models import SessionTicket

from accounts.models import AuditEvent, LoginFailure, Role
from photocapture.configuration import production_problems
from tests.factories import make_campaign, make_student, make_user
from tests.fake_cas import FakeCas

pytestmark = pytest.mark.django_db
# The factories' campaign photographs on 2020-11-26: on that day it is live, its students current.
ON_THE_DAY = datetime.datetime(2020, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
YEARS_LATER = datetime.datetime(2023, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def on_the_day():
    with time_machine.travel(ON_THE_DAY, tick=True):
        yield


@pytest.fixture
def fake_cas(settings):
    cas = FakeCas(
        users={
            "2017000101": {"employeeNumber": "2017000101", "cn": "张三"},
            "zhangsan": {"employeeNumber": "2017000101", "cn": "张三"},  # a login name, the 学工号 as attribute
            "jwc": {"employeeNumber": "jwc", "cn": "教务处 于老师"},
            "T0009": {"employeeNumber": "T0009", "cn": "不在名单的人"},
            "2017000102": {"employeeNumber": "2017000102"},
            "noattr": {"cn": "无学工号"},
        }
    )
    settings.CAS_SERVER_URL = cas.start()
    settings.CAS_VERSION = "3"
    settings.CAS_USERNAME_ATTRIBUTE = "cas:user"
    yield cas
    cas.stop()


@pytest.fixture
def campaign(on_the_day):
    # Its phase follows its dates (not the factories' LIVE): these tests move the clock past its end.
    return make_campaign(contact_name="教务处 于老师", contact_phone="0411-87402000", phase_override="")


@pytest.fixture
def student(campaign):
    user = make_user(Role.STUDENT, username="2017000101", display_name="张三")
    return make_student(campaign, student_no="2017000101", name="张三", user=user)


def start_login(client, cas, next_page="/"):
    """Our login link: the browser is sent to the identity service with our service URL."""
    start = client.get(reverse("cas:login"), {"next": next_page})
    assert start.status_code == 302
    location = start["Location"]
    assert location.startswith(cas.url + "login?")
    return parse_qs(urlparse(location).query)["service"][0]


def log_in_at_cas(cas, user, service):
    """The person types their campus user and password on the identity service's own page."""
    answer = requests.post(
        cas.url + "login", data={"username": user, "password": "campus-pw", "service": service}, allow_redirects=False
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def come_back(client, back):
    parsed = urlparse(back)
    return client.get(f"{parsed.path}?{parsed.query}")


def cas_login(client, cas, user, next_page="/"):
    return come_back(client, log_in_at_cas(cas, user, start_login(client, cas, next_page)))


def logged_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_the_login_page_offers_the_campus_login_beside_the_form(client, fake_cas):
    page = client.get(reverse("accounts:login") + "?next=/fees/").content.decode()
    assert "统一身份认证登录" in page
    assert reverse("cas:login") + "?next=%2Ffees%2F" in page
    assert "用户名（学生为学号）" in page  # the local form stays


def test_without_cas_server_url_only_the_form_is_there(client, settings):
    settings.CAS_SERVER_URL = None
    assert "统一身份认证登录" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("cas:login")).status_code == 404


def test_a_student_logs_in_with_a_ticket_and_reaches_their_home(client, fake_cas, student):
    response = cas_login(client, fake_cas, "2017000101")
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.wsgi_request.user == student.user
    assert "张三" in home.content.decode()
    assert [path for path, _ticket in fake_cas.validations] == ["/p3/serviceValidate"]  # CAS 3.0
    event = AuditEvent.objects.get(action="account.cas_login")
    assert event.actor == student.user and event.data == {"identity": "2017000101"}
    assert "通过统一身份认证登录（学工号 2017000101）" in event.summary


def test_next_page_is_kept_through_the_identity_service(client, fake_cas, student):
    response = cas_login(client, fake_cas, "2017000101", next_page="/fees/")
    assert response["Location"] == "/fees/"


def test_an_off_site_next_is_dropped_before_the_identity_service_sees_it(client, fake_cas):
    response = client.get(reverse("cas:login"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response["Location"]
    assert response["Location"] == reverse("cas:login")


def test_staff_log_in_by_username_over_cas_2(client, fake_cas, settings, campaign):
    settings.CAS_VERSION = "2"
    staff = make_user(Role.STAFF, username="jwc")
    response = cas_login(client, fake_cas, "jwc")
    assert response.status_code == 302
    assert logged_in_user(client) == staff
    assert [path for path, _ticket in fake_cas.validations] == ["/serviceValidate"]


def test_the_student_number_can_come_from_an_attribute(client, fake_cas, settings, student):
    """The CAS user is a login name ("zhangsan"); the 学工号 is the employeeNumber attribute."""
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    make_user(Role.STAFF, username="zhangsan")  # the login name must not be what is matched
    cas_login(client, fake_cas, "zhangsan")
    assert logged_in_user(client) == student.user


def test_a_multi_valued_attribute_gives_its_first_value(client, fake_cas, settings, student):
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    fake_cas.users["lisi"] = {"employeeNumber": [" 2017000101 ", "T0009"]}
    cas_login(client, fake_cas, "lisi")
    assert logged_in_user(client) == student.user


def test_a_ticket_without_the_attribute_is_refused(client, fake_cas, settings, student):
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    response = cas_login(client, fake_cas, "noattr")
    assert response.status_code == 403
    assert "统一身份认证没有提供学工号" in response.content.decode()
    assert not logged_in_user(client).is_authenticated


def test_a_forged_ticket_is_refused(client, fake_cas, student):
    service = start_login(client, fake_cas)
    parsed = urlparse(service)
    response = client.get(f"{parsed.path}?{parsed.query}&ticket=ST-forged")
    assert response.status_code == 403
    page = response.content.decode()
    assert "登录凭据无效或已过期" in page
    assert "重新通过统一身份认证登录" in page
    assert not logged_in_user(client).is_authenticated
    assert fake_cas.validations == [("/p3/serviceValidate", "ST-forged")]


def test_a_ticket_works_once(client, fake_cas, student, django_user_model):
    from django.test import Client

    back = log_in_at_cas(fake_cas, "2017000101", start_login(client, fake_cas))
    assert come_back(client, back).status_code == 302
    stranger = Client()
    assert come_back(stranger, back).status_code == 403  # replayed by someone who saw the URL
    assert not logged_in_user(stranger).is_authenticated


def test_a_ticket_for_another_service_is_refused(client, fake_cas, student):
    service = start_login(client, fake_cas)
    ticket = fake_cas.issue_ticket("2017000101", "https://other-app.example.edu.cn/")
    parsed = urlparse(service)
    assert client.get(f"{parsed.path}?{parsed.query}&ticket={ticket}").status_code == 403


def test_an_unknown_user_is_refused_with_whom_to_contact_and_no_account_is_made(client, fake_cas, campaign):
    users_before = get_user_model().objects.count()
    response = cas_login(client, fake_cas, "T0009")
    assert response.status_code == 403
    page = response.content.decode()
    assert "学工号 T0009 在本系统中没有对应的账号" in page
    assert "不会自动开通账号" in page
    assert "教务处 于老师 0411-87402000" in page
    assert "退出统一身份认证，换一个账号" in page
    assert get_user_model().objects.count() == users_before
    assert not logged_in_user(client).is_authenticated
    event = AuditEvent.objects.get(action="account.cas_refused")
    assert event.actor is None and event.data == {"identity": "T0009", "reason": "unknown"}


def test_a_student_of_an_ended_campaign_is_refused(client, fake_cas, student):
    with time_machine.travel(YEARS_LATER, tick=True):
        response = cas_login(client, fake_cas, "2017000101")
    assert response.status_code == 403
    assert "没有对应的账号" in response.content.decode()
    assert not logged_in_user(client).is_authenticated


def test_a_student_account_without_a_current_roster_row_is_not_matched_by_username(client, fake_cas, campaign):
    make_user(Role.STUDENT, username="2017000101")  # an account, but on no roster
    assert cas_login(client, fake_cas, "2017000101").status_code == 403


def test_a_roster_student_who_never_activated_is_sent_to_activation_not_given_an_account(client, fake_cas, campaign):
    make_student(campaign, student_no="2017000102", name="李四")
    users_before = get_user_model().objects.count()
    response = cas_login(client, fake_cas, "2017000102")
    assert response.status_code == 403
    page = response.content.decode()
    assert "学号 2017000102 在本届采集名单中，但还没有开通本系统的账号" in page
    assert reverse("activation:activate") in page
    assert get_user_model().objects.count() == users_before


def test_a_switched_off_account_is_refused(client, fake_cas, campaign):
    make_user(Role.STAFF, username="jwc", is_active=False)
    response = cas_login(client, fake_cas, "jwc")
    assert response.status_code == 403
    assert "账号已停用" in response.content.decode()


def test_an_unreachable_identity_service_is_a_page_not_a_500(client, fake_cas, settings, student):
    service = start_login(client, fake_cas)
    fake_cas.stop()
    parsed = urlparse(service)
    response = client.get(f"{parsed.path}?{parsed.query}&ticket=ST-whatever")
    assert response.status_code == 403
    assert "暂时无法连接统一身份认证服务" in response.content.decode()


def test_logging_out_here_logs_out_at_the_identity_service_too(client, fake_cas, student):
    cas_login(client, fake_cas, "2017000101")
    assert SessionTicket.objects.count() == 1
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == fake_cas.url + "logout?" + "service=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F"
    # And the browser empties this site's caches and storage, as on any logout (issue 25).
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert not logged_in_user(client).is_authenticated
    assert not SessionTicket.objects.exists()


def test_a_local_login_logs_out_here_only(client, fake_cas, campaign):
    make_user(Role.STAFF, username="local", password="right-password-1")
    client.post(reverse("accounts:login"), {"username": "local", "password": "right-password-1"})
    assert logged_in_user(client).is_authenticated
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


def test_single_logout_from_the_identity_service_ends_the_session_here(client, fake_cas, student):
    cas_login(client, fake_cas, "2017000101")
    assert logged_in_user(client) == student.user
    ticket = SessionTicket.objects.get().ticket
    # The identity service's back channel: it holds no cookie and no CSRF token.
    from django.test import Client

    answer = Client(enforce_csrf_checks=True).post(
        reverse("cas:login"), {"logoutRequest": fake_cas.logout_request(ticket)}
    )
    assert answer.status_code == 200
    assert not logged_in_user(client).is_authenticated
    assert not SessionTicket.objects.exists()


def test_single_logout_works_with_cas_2_too(client, fake_cas, settings, student):
    settings.CAS_VERSION = "2"
    cas_login(client, fake_cas, "2017000101")
    ticket = SessionTicket.objects.get().ticket
    client.post(reverse("cas:login"), {"logoutRequest": fake_cas.logout_request(ticket)})
    assert not logged_in_user(client).is_authenticated


def test_a_logout_request_for_another_ticket_logs_nobody_out(client, fake_cas, student):
    cas_login(client, fake_cas, "2017000101")
    client.post(reverse("cas:login"), {"logoutRequest": fake_cas.logout_request("ST-someone-else")})
    assert logged_in_user(client) == student.user


@pytest.mark.parametrize("body", ["not xml <", "<a/>"])
def test_a_malformed_logout_request_is_a_400_or_a_no_op_never_a_500(client, fake_cas, student, body):
    cas_login(client, fake_cas, "2017000101")
    from django.test import Client

    answer = Client().post(reverse("cas:login"), {"logoutRequest": body})
    assert answer.status_code in (200, 400)
    assert logged_in_user(client) == student.user


def test_a_post_without_a_logout_request_starts_the_login(client, fake_cas):
    response = client.post(reverse("cas:login"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("cas:login")


def test_the_local_form_keeps_its_throttle_with_cas_on(client, fake_cas, settings, campaign):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    make_user(Role.STAFF, username="jwc", password="right-password-1")
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "jwc", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    blocked = client.post(
        reverse("accounts:login"), {"username": "jwc", "password": "right-password-1"}, REMOTE_ADDR="10.1.1.1"
    )
    assert "登录失败次数过多" in blocked.content.decode()
    assert LoginFailure.objects.count() == 3
    assert not logged_in_user(client).is_authenticated


def test_a_password_never_reaches_the_cas_backend_and_a_ticket_never_the_password_backend(
    fake_cas, student, monkeypatch
):
    import functools

    from sessions_app.campus_login import CampusCasBackend

    calls = []
    original = CampusCasBackend.authenticate

    @functools.wraps(original)  # keeps the signature Django inspects
    def spy(self, request, *args, **kwargs):
        calls.append(kwargs)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(CampusCasBackend, "authenticate", spy)
    assert authenticate(username="2017000101", password="campus-pw") is None
    assert calls == [] and fake_cas.validations == []
    assert authenticate(ticket="ST-x", service="http://testserver/") is None
    assert calls == [{"ticket": "ST-x", "service": "http://testserver/"}]
    assert fake_cas.validations == [("/p3/serviceValidate", "ST-x")]


def test_production_wants_an_https_identity_service():
    common = dict(
        secret_key="k" * 60,
        collection_code_key="c" * 40,
        broker_url="redis://r",
        redis_url="redis://r",
        always_eager=False,
        allowed_hosts=["photo.example.edu.cn"],
        email_backend="django.core.mail.backends.smtp.EmailBackend",
        sms_backend="x.Sms",
        csrf_trusted_origins=[],
        proxy_ssl_header=[],
    )
    assert production_problems(**common, cas_server_url="https://cas.example.edu.cn/cas/") == []
    problems = production_problems(**common, cas_server_url="http://cas.example.edu.cn/cas/", cas_version="1")
    assert any("CAS_SERVER_URL must be https://" in p for p in problems)
    assert any("CAS_VERSION is 2 or 3" in p for p in problems)


def test_every_page_lets_its_logout_form_go_on_to_the_identity_service(client, fake_cas, settings):
    origin = fake_cas.url.rstrip("/")
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert f"form-action 'self' {origin}" in policy
    settings.CAS_SERVER_URL = None
    assert "form-action 'self';" in client.get(reverse("accounts:login"))["Content-Security-Policy"] + ";"


def test_the_refusal_reads_in_english_for_whoever_chose_it(client, fake_cas, campaign, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = cas_login(client, fake_cas, "T0009").content.decode()
    assert "There is no account here for the campus ID T0009" in page
    assert "教务处 于老师 0411-87402000" in page  # the contact is data, shown as entered


def test_staff_open_accounts_for_the_roster_and_students_sign_on_without_activating(client, fake_cas, campaign):
    from sessions_app.activation import ActivationError, open_student_accounts

    fresh = make_student(campaign, student_no="2017000102", name="李四")
    earlier = make_user(Role.STUDENT, username="2017000199")  # an account from an earlier year's roster
    make_student(campaign, student_no="2017000199", name="王五")
    staff = make_user(Role.STAFF)
    with pytest.raises(ActivationError) as refused:
        open_student_accounts(actor=make_user(Role.COORDINATOR), campaign=campaign)
    assert refused.value.code == "staff_only" and get_user_model().objects.filter(username="2017000102").count() == 0

    assert open_student_accounts(actor=staff, campaign=campaign) == 1
    assert open_student_accounts(actor=staff, campaign=campaign) == 0  # a second run opens nothing more
    fresh.refresh_from_db()
    assert fresh.user.username == "2017000102" and not fresh.user.has_usable_password()
    assert get_user_model().objects.filter(username="2017000199").get() == earlier  # linked by number, not doubled
    assert AuditEvent.objects.filter(action="account.open_for_roster", data__opened=1).exists()

    cas_login(client, fake_cas, "2017000102")
    assert logged_in_user(client) == fresh.user
    # No password was set: the local form cannot be used with this account.
    assert authenticate(username="2017000102", password="") is None


def test_the_command_opens_the_accounts_and_says_how_many(campaign, capsys):
    from django.core.management import call_command

    make_student(campaign, student_no="2017000103")
    call_command("open_student_accounts", campaign.code)
    assert "已开通 1 个学生账号" in capsys.readouterr().out
    assert get_user_model().objects.filter(username="2017000103", role=Role.STUDENT).exists()
