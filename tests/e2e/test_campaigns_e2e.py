"""Campaigns side by side (issue 21), in Chromium: staff clone this year's campaign during its
live capture day and import a roster into the new one; coordinators', counselors' and staff's pages
still open on this year's, and the header's switcher reaches both."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from demo.run import seed_demo
from sessions_app.idcard import make_id_number
from sessions_app.models import Campaign, Student
from tests.browser import logged_in_page
from tests.intake import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ON_THE_DAY = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def desk_on_capture_day():
    """The demo's capture day is today: its desks keep their own clock (not the factories' day)."""
    return None


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(ON_THE_DAY, tick=True):
        yield seed_demo(size=0.05)


def user(username):
    return get_user_model().objects.get(username=username)


def roster_file(tmp_path):
    path = tmp_path / "2028届学生名单.xlsx"
    rows = [
        [f"2019{n:06d}", name, make_id_number(area="210202", birth=datetime.date(2001, 1, n), sequence=n), college,
         "计算机1901", "本科", counselor]
        for n, (name, college, counselor) in enumerate(
            [("明年甲", "计算机科学与工程学院", "counselor_cs"), ("明年乙", "经济管理学院", "")], start=1
        )
    ]  # fmt: skip
    path.write_bytes(shapes.xlsx([["学号", "姓名", "身份证号", "学院", "班级", "层次", "辅导员"], *rows]))
    return path


def switch_to(page, code):
    page.select_option("[data-testid=campaign-switch] select", code)
    page.click("[data-testid=campaign-switch] button")


def test_cloning_next_year_during_the_capture_day_leaves_everyones_pages_on_this_year(
    browser, live_server, demo, tmp_path
):
    from playwright.sync_api import expect

    this = demo.current.campaign
    staff = logged_in_page(browser, live_server, user("jwc"))
    staff.goto(live_server.url + reverse("sessions_app:staff_overview"))
    expect(staff.locator("main h1").first).to_have_text(this.name)
    staff.click("text=由本批次新建下一届")
    effects = staff.locator("[data-testid=clone-effects]")
    expect(effects).to_contain_text("其他人看到的批次不变")
    expect(effects).to_contain_text("学生名单不复制")
    staff.click("button:has-text('创建批次')")
    new = Campaign.objects.get(code=str(int(this.code) + 1))
    staff.set_input_files("input[type=file]", str(roster_file(tmp_path)))
    staff.click("button:has-text('上传并预览')")
    staff.click("button:has-text('确认导入')")
    expect(staff.locator("main")).to_contain_text("已导入“2028届学生名单.xlsx”")
    assert Student.objects.filter(campaign=new).count() == 2

    # Staff's own pages: still this year's, the new one is one switch away and stays chosen.
    staff.goto(live_server.url + reverse("sessions_app:staff_overview"))
    expect(staff.locator("main h1").first).to_have_text(this.name)
    options = staff.locator("[data-testid=campaign-switch] option")
    expect(options).to_contain_text([f"{this.name}（进行中）", f"{new.name}（筹备中）"])
    switch_to(staff, new.code)
    expect(staff.locator("main h1").first).to_have_text(new.name)
    staff.goto(live_server.url + reverse("verification:index"))
    expect(staff.locator("h1")).to_contain_text(new.name)

    # The coordinator: this year's figures, not the new campaign's "0 / 2".
    coordinator = logged_in_page(browser, live_server, user("coord_cs"))
    coordinator.goto(live_server.url + reverse("sessions_app:college_overview"))
    expect(coordinator.locator("[data-testid=campaign-switch] option[selected]")).to_contain_text(this.name)
    expect(coordinator.locator("main")).not_to_contain_text("明年甲")
    switch_to(coordinator, new.code)
    expect(coordinator.locator("main")).to_contain_text("明年甲")
    switch_to(coordinator, this.code)
    expect(coordinator.locator("main")).not_to_contain_text("明年甲")

    # The counselor: this year's students first, next year's one switch away.
    counselor = logged_in_page(browser, live_server, user("counselor_cs"))
    counselor.goto(live_server.url + reverse("sessions_app:counselor_students"))
    expect(counselor.locator("[data-testid=campaign-switch] option[selected]")).to_contain_text(this.name)
    expect(counselor.locator("main")).not_to_contain_text("明年甲")
    switch_to(counselor, new.code)
    expect(counselor.locator("main")).to_contain_text("明年甲")
    expect(counselor.locator("main")).not_to_contain_text("明年乙")  # not their student

    # Staff's choice changed nothing for the others: a fresh coordinator session opens on this year's.
    again = logged_in_page(browser, live_server, user("coord_cs"))
    again.goto(live_server.url + reverse("sessions_app:college_overview"))
    expect(again.locator("[data-testid=campaign-switch] option[selected]")).to_contain_text(this.name)
