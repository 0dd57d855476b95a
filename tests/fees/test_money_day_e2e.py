"""Issue 24's walks in Chromium, in Chinese and in English: a coordinator's money day (collect, the
running total, remit, the printed slip with its 大写), 教务处 confirming a short amount and taking the
confirmation back, a student with an open report told to wait, and the staff student page."""

import pytest
from django.urls import reverse

from accounts.models import Role
from fees.models import Remittance
from tests.browser import logged_in_page
from tests.factories import make_campaign, make_college, make_student, make_user

from .conftest import capture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, user, language):
    page = logged_in_page(browser, live_server, user)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_coordinators_money_day_and_staff_confirming_short_then_taking_it_back(browser, live_server, language):
    from playwright.sync_api import expect

    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    first, second = make_student(campaign, college, name="张三"), make_student(campaign, college, name="李四")
    for student in (first, second):
        capture(student)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)

    desk = _page(browser, live_server, coordinator, language)
    desk.goto(f"{live_server.url}{reverse('fees:entry')}?campaign={campaign.code}")
    for student in (first, second):
        desk.locator("#lookup-q").fill(student.student_no)
        desk.keyboard.press("Enter")
        expect(desk.locator("#pay-amount")).to_be_focused()
        expect(desk.locator("#pay-amount")).to_have_value("17.00")
        desk.keyboard.press("Enter")
        expect(desk.locator("#fee-message")).to_contain_text(student.name)
    expect(desk.locator("#cash-box-total")).to_have_text("¥34.00")  # the cash box check, as it goes

    desk.goto(f"{live_server.url}{reverse('fees:remittances')}?campaign={campaign.code}")
    expect(desk.locator("[data-testid=glossary]").first).to_be_visible()  # every figure defined on the page
    desk.locator(".remit-card form button[type=submit]").click()
    expect(desk.locator(".messages")).to_be_visible()
    remittance = Remittance.objects.get()
    desk.goto(live_server.url + reverse("fees:remittance_print", args=[remittance.pk]))
    expect(desk.locator("[data-testid=slip-amount]")).to_contain_text("叁拾肆元整")
    expect(desk.locator("[data-testid=slip-basis]")).to_contain_text("¥17.00")
    remittance_url = live_server.url + reverse("fees:remittance", args=[remittance.pk])

    staff = _page(browser, live_server, make_user(Role.STAFF), language)
    staff.goto(remittance_url)
    staff.fill("input[name=received_amount]", "33")
    staff.locator("form[action$='/confirm/'] button[type=submit]").click()
    expect(staff.locator("[data-testid=received]")).to_contain_text("¥33.00")
    expect(staff.locator("[data-testid=difference]")).to_contain_text("¥1.00")  # shown before it is recorded
    staff.locator("form input[name=checked] ~ button[type=submit]").click()
    staff.wait_for_load_state()
    expect(staff.locator(".messages")).to_contain_text("¥1.00")

    staff.locator("details:has(form[action*='reverse-confirmation']) summary").click()
    staff.fill("form[action*='reverse-confirmation'] input[name=reason]", "实收金额填错")
    staff.locator("form[action*='reverse-confirmation'] button[type=submit]").click()
    expect(staff.locator("[data-testid=reversal]")).to_contain_text("实收金额填错")

    # The slip is void and the college can remit the same money again.
    desk.goto(f"{live_server.url}{reverse('fees:remittances')}?campaign={campaign.code}")
    expect(desk.locator("[data-testid=remittable]")).to_contain_text("¥34.00")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_student_with_an_open_report_is_told_to_wait_and_staff_see_it_on_one_page(browser, live_server, language):
    from playwright.sync_api import expect

    campaign = make_campaign()
    user = make_user(Role.STUDENT)
    student = make_student(campaign, make_college(), name="王五", user=user)
    capture(student)

    page = _page(browser, live_server, user, language)
    page.goto(live_server.url + reverse("verification:index"))
    page.check("input[name=problem_type][value=wrong_photo]")
    page.fill("#id_description", "照片是别人的")
    page.locator(f"form[action='{reverse('verification:report_problem')}'] button[type=submit]").click()
    expect(page.locator("[data-testid=wait-for-report]")).to_be_visible()
    expect(page.locator("form.confirm-verification")).to_have_count(0)

    staff = _page(browser, live_server, make_user(Role.STAFF), language)
    staff.goto(live_server.url + reverse("sessions_app:student_detail", args=[student.pk]))
    for panel in ("#panel-fees", "#panel-verification", "#panel-retakes"):
        expect(staff.locator(panel)).to_be_visible()
    expect(staff.locator("#panel-fees")).to_contain_text("¥17.00")
    expect(staff.locator("#panel-verification a")).to_have_count(1)  # the report, linked
