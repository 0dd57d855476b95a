"""Campus single sign-on in Chromium (issue 22, item 1): through the fake CAS server and back.

The fake server runs in a thread of this process; its single logout reaches the live server over
real HTTP, as a campus identity service's back channel would.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from accounts.models import Role
from tests.factories import make_campaign, make_student, make_user
from tests.fake_cas import FakeCas

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ON_THE_DAY = datetime.datetime(2020, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def fake_cas(settings):
    cas = FakeCas(open_directory=True)
    settings.CAS_SERVER_URL = cas.start()
    settings.CAS_VERSION = "3"
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    yield cas
    cas.stop()


@pytest.fixture
def world():
    with time_machine.travel(ON_THE_DAY, tick=True):
        campaign = make_campaign(
            name="2021届本科毕业生图像采集", contact_name="教务处 于老师", contact_phone="0411-87402000"
        )
        user = make_user(Role.STUDENT, username="2017000101", display_name="张三")
        make_student(campaign, student_no="2017000101", name="张三", user=user)
        yield campaign


def log_in_at_cas(page, live_server, number):
    page.goto(live_server.url + "/accounts/login/")
    page.click("[data-testid=cas-login]")
    page.wait_for_url("**/login?service=*")  # the identity service's own page
    page.fill("#username", number)
    page.fill("#password", "campus-password")
    page.click("#login")


def test_a_student_logs_in_through_the_campus_identity_service_and_reaches_their_home(
    browser, live_server, fake_cas, world
):
    from playwright.sync_api import expect

    page = browser.new_context(locale="zh-CN").new_page()
    log_in_at_cas(page, live_server, "2017000101")
    page.wait_for_url(live_server.url + "/")
    expect(page.locator("main h1").first).to_have_text("张三")
    expect(page.locator("main")).to_contain_text("2021届本科毕业生图像采集")
    expect(page.locator(".who")).to_contain_text("张三")

    # Logging out here logs out at the identity service: the next CAS login asks for the password again.
    page.click("header form[action='/accounts/logout/'] button")
    page.wait_for_url(live_server.url + "/accounts/login/")
    page.click("[data-testid=cas-login]")
    page.wait_for_url("**/login?service=*")
    expect(page.locator("#username")).to_be_visible()


def test_an_unknown_campus_user_is_refused_with_whom_to_contact(browser, live_server, fake_cas, world):
    from playwright.sync_api import expect

    users_before = get_user_model().objects.count()
    page = browser.new_context(locale="zh-CN").new_page()
    log_in_at_cas(page, live_server, "T0009")
    refusal = page.locator("[data-testid=cas-refused]")
    expect(refusal).to_contain_text("学工号 T0009 在本系统中没有对应的账号")
    expect(page.locator("[data-testid=cas-contacts]")).to_contain_text("教务处 于老师 0411-87402000")
    expect(page.locator(".who")).to_have_count(0)  # nobody is logged in
    assert get_user_model().objects.count() == users_before


def test_logging_out_at_the_identity_service_ends_the_session_here(browser, live_server, fake_cas, world):
    from playwright.sync_api import expect

    page = browser.new_context(locale="zh-CN").new_page()
    log_in_at_cas(page, live_server, "2017000101")
    page.wait_for_url(live_server.url + "/")
    page.goto(fake_cas.url + "logout")  # another app's logout button, at the identity service
    assert [status for _service, status in fake_cas.logout_posts] == [200]
    page.goto(live_server.url + "/")
    page.wait_for_url("**/accounts/login/**")
    expect(page.locator("[data-testid=cas-login]")).to_be_visible()
