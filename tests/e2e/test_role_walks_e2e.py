"""Each role's day on the live demo (issue 13), in Chromium: what each one sees and does.

One seeded demo per test (the data must be committed for the live server); size 0.05 keeps
every college and every state the demo builds.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from demo.run import seed_demo
from fees.models import Remittance
from sessions_app.idcard import make_id_number
from sessions_app.models import Campaign, Capture, Slot, Student
from tests.browser import logged_in_page
from tests.intake import shapes
from verification.models import ProblemReport, ReportStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ON_THE_DAY = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def desk_on_capture_day():
    """The demo's capture day is today: its desks keep their own clock (not the factories' day)."""
    return None


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The demo places its slots around the clock: the walks run at 10:00 of a fixed day, whatever
    # the hour CI starts (just after midnight the demo's day has no room left before "now").
    with time_machine.travel(ON_THE_DAY, tick=True):
        yield seed_demo(size=0.05)


def user(username):
    return get_user_model().objects.get(username=username)


def test_the_student_sees_slot_fee_and_countdown_and_reports_a_problem(browser, live_server, demo):
    from playwright.sync_api import expect

    (_label, captured, _pw), (_label2, waiting, _pw2) = demo.logins[-2:]
    page = logged_in_page(browser, live_server, user(captured))
    page.goto(live_server.url + "/")
    body = page.locator("main")
    expect(body).to_contain_text("¥17.00")
    expect(body).to_contain_text("还剩 40 天")
    expect(page.locator("[data-testid=inbox-unread]")).to_be_visible()  # the demo's reminders are there

    page.goto(live_server.url + reverse("verification:index"))
    page.check("input[name=problem_type][value=wrong_data]")
    page.fill("#id_description", "民族应为满族")
    page.click("form[action$='/report/'] button[type=submit]")
    expect(page.locator("main")).to_contain_text("民族应为满族")
    report = ProblemReport.objects.get(student__user__username=captured, description="民族应为满族")
    assert report.status == ReportStatus.SUBMITTED

    later = logged_in_page(browser, live_server, user(waiting))
    later.goto(live_server.url + "/")
    slot = Student.objects.get(user__username=waiting).assigned_slot
    expect(later.locator("main")).to_contain_text(slot.time_range())


def test_the_coordinator_chases_forwards_remits_and_prints(browser, live_server, demo):
    from playwright.sync_api import expect

    campaign = demo.current.campaign
    page = logged_in_page(browser, live_server, user("coord_cs"))

    page.goto(live_server.url + reverse("verification:unconfirmed") + f"?campaign={campaign.code}")
    expect(page.locator("h1")).to_have_text("截止前未确认名单")
    page.click("#remind-now button")  # asks first: how many, which message, which channels
    expect(page.locator("[data-testid=send-message]")).to_have_text("网上校对提醒")
    page.click("[data-testid=confirm-send-button]")
    expect(page.locator("main")).to_contain_text("已提醒")
    page.goto(live_server.url + reverse("verification:unconfirmed") + f"?campaign={campaign.code}")
    page.click("#remind-now button")  # a second click tells nobody twice
    expect(page.locator("[data-testid=send-nothing]")).to_contain_text("今天都已提醒过")

    page.goto(live_server.url + reverse("verification:reports") + f"?campaign={campaign.code}&status=submitted")
    waiting = ProblemReport.objects.filter(
        campaign=campaign, student__college__name="计算机科学与工程学院", status=ReportStatus.SUBMITTED
    ).count()
    assert waiting >= 2
    expect(page.locator("input[name=report]")).to_have_count(waiting)
    page.fill("#id_note", "本周统一报学籍科")
    page.click("#forward-batch button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(f"已统一上报 {waiting} 条问题到教务处")

    page.goto(live_server.url + reverse("fees:remittances") + f"?campaign={campaign.code}")
    page.locator("button", has_text="生成上交单").first.click()
    expect(page.locator(".messages")).to_contain_text("已生成上交单")
    remittance = Remittance.objects.filter(campaign=campaign, college__name="计算机科学与工程学院").latest("pk")
    page.goto(live_server.url + reverse("fees:remittance", args=[remittance.pk]))
    page.click("text=打印上交单")
    expect(page.locator("h1")).to_contain_text("图像采集费上交单")
    expect(page.locator("[data-testid=slip-total]")).to_have_text(f"¥{remittance.amount:.2f}")
    expect(page.locator("main")).to_contain_text("教务处收款人（签字）")

    page.goto(live_server.url + reverse("capture_day:class_progress") + f"?campaign={campaign.code}")
    expect(page.locator("table.class-progress progress").first).to_be_visible()
    assert page.locator("tr[data-class]").count() >= 1


def test_the_operator_swipes_and_takes_back_a_wrong_card(browser, live_server, demo):
    from playwright.sync_api import expect

    campaign = demo.current.campaign
    assert timezone.localdate() == Slot.objects.filter(group__campaign=campaign).first().date
    later = Slot.objects.filter(group__campaign=campaign, group__name="金石滩第一组").order_by("start_time").last()
    student = Student.objects.filter(assigned_slot=later).exclude(captures__isnull=False).order_by("student_no").first()
    page = logged_in_page(browser, live_server, user("desk_jst1"))
    page.goto(live_server.url + reverse("capture_day:desk_index"))
    page.click(f"a[href='{reverse('capture_day:desk', args=[later.pk])}']")
    # The desk takes a card once its page is ready (its roster digest loaded, the input focused).
    expect(page.locator("#desk")).to_have_attribute("data-digest", "ready")
    page.keyboard.type(student.student_no)
    page.keyboard.press("Enter")
    expect(page.locator("#result [data-field=title]")).to_have_text("采集成功")
    expect(page.locator("#result [data-field=name]")).to_have_text(student.name)

    page.on("dialog", lambda dialog: dialog.accept("刷错卡：同学代刷"))
    page.locator("#recent li").first.locator("button.undo").click()
    expect(page.locator("#recent li").first).to_contain_text("已撤销")
    capture = Capture.objects.get(student=student)
    assert capture.undone_at is not None and capture.undo_reason == "刷错卡：同学代刷"
    page.reload()
    expect(page.locator("#recent li").first).to_contain_text("已撤销：刷错卡：同学代刷")


def test_staff_create_next_years_campaign_and_watch_a_college(browser, live_server, demo, tmp_path):
    from playwright.sync_api import expect

    campaign = demo.current.campaign
    page = logged_in_page(browser, live_server, user("jwc"))
    page.goto(live_server.url + reverse("sessions_app:staff_overview") + f"?campaign={campaign.code}")
    page.click("text=由本批次新建下一届")
    next_code = str(int(campaign.code) + 1)
    expect(page.locator("input[name=code]")).to_have_value(next_code)
    page.click("button:has-text('创建批次')")
    expect(page).to_have_url(re.compile(rf"/roster/.*campaign={next_code}"))
    new = Campaign.objects.get(code=next_code)
    first_day = Slot.objects.filter(group__campaign=new).order_by("date").first().date
    assert first_day - timezone.localdate() in (datetime.timedelta(days=364), datetime.timedelta(days=365))
    assert Slot.objects.filter(group__campaign=new).count() == 14

    # ... and import the new year's roster into it from that page, as a registrar's export.
    roster = tmp_path / "2022届学生名单.xlsx"
    roster.write_bytes(
        shapes.xlsx(
            [
                ["学号", "姓名", "身份证号", "学院", "班级", "层次"],
                *(
                    [f"2018{n:06d}", name, make_id_number(area="210202", birth=datetime.date(2000, 1, n), sequence=n),
                     college, "经管1801", "本科"]
                    for n, (name, college) in enumerate(
                        [("新生甲", "经济管理学院"), ("新生乙", "经济管理学院"), ("新生丙", "计算机科学与工程学院")],
                        start=1,
                    )
                ),
            ],
            before=[["2022届毕业生图像采集名单"]],
        )
    )  # fmt: skip
    page.set_input_files("input[type=file]", str(roster))
    page.click("button:has-text('上传并预览')")
    page.click("button:has-text('确认导入')")
    expect(page.locator("main")).to_contain_text("已导入“2022届学生名单.xlsx”")
    imported = Student.objects.filter(campaign=new).order_by("student_no")
    assert [s.name for s in imported] == ["新生甲", "新生乙", "新生丙"]
    assert all(s.assigned_slot_id for s in imported)  # placed in the new year's slots by the rules

    page.goto(live_server.url + reverse("sessions_app:staff_overview") + f"?campaign={campaign.code}")
    page.click("table >> text=经济管理学院")
    expect(page).to_have_url(re.compile(r"college=\d+"))
    colleges = page.locator("table.students tbody tr td:nth-child(3)").all_inner_texts()
    assert colleges and set(colleges) == {"经济管理学院"}  # only that college, from the 87-page list
    page.click("text=各班进度（采集、缴费、上交、校对）")
    expect(page.locator("table.class-progress tbody tr").first).to_contain_text("经济管理学院")
