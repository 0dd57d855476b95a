import re

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.models import AuditEvent, Role
from capture_day.services import check_in, undo_check_in
from core import registries as panels
from sessions_app.models import Capture, SlotStatus, Student
from tests.desk_world import add_students
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db


def capture(world, student, slot=None):  # noqa: F811
    return check_in(
        campaign=world.campaign, slot=slot or student.assigned_slot, identifier=student.student_no, operator=world.staff
    ).capture


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- staff overview -----------------------------------------------------------


def test_staff_overview_shows_progress_load_and_unplaced(client, world):  # noqa: F811
    capture(world, world.econ_student)
    stray_college = make_college("无时段学院")
    stray = make_student(world.campaign, stray_college, name="孙八")
    from sessions_app.services import refresh_slot_assignments

    refresh_slot_assignments(campaign=world.campaign)
    client.force_login(world.staff)
    html = text(client.get(reverse("sessions_app:staff_overview")))
    assert world.campaign.name in html
    # per college: 经管 1 of 3 captured
    assert re.search(
        r'<td><a href="[^"]*college=\d+">经济管理学院</a></td>'
        r'<td class="num">3</td><td class="num">1</td><td class="num">2</td>',
        html,
    )
    # the 08:30 slot: 3 expected over 80 minutes = 0.0375 a minute, shown to one decimal
    assert '<td class="num">80</td>' in html and '<td class="num">0.0</td>' in html
    assert "经济管理学院" in html and "计算机学院" in html
    # the student no rule places is listed with the reason, and can be placed by hand
    assert "孙八" in html and "无匹配时段" in html
    assert reverse("sessions_app:student_override", args=[stray.pk]) in html
    try:
        upload = reverse("roster:upload")
    except NoReverseMatch:
        upload = "/roster/upload/"
    assert f'href="{upload}"' in html
    assert reverse("export", args=["attendance"]) in html
    assert reverse("capture_day:signin_sheet", args=[world.slot_econ.pk]) in html


def test_staff_overview_slot_load_per_minute(client, world):  # noqa: F811
    add_students(world.campaign, world.econ, 157)  # 160 in the 80-minute slot: 2.0 a minute
    client.force_login(world.staff)
    html = text(client.get(reverse("sessions_app:staff_overview")))
    assert '<td class="num">160</td>\n        <td class="num">80</td>\n        <td class="num">2.0</td>' in html
    # The threshold it is read against: 350 an hour is 5.8 a minute; 160 of a capacity of 466 is 34 %.
    assert '<td class="num">2.0</td>\n        <td class="num">5.8</td>\n        <td class="num">466</td>' in html
    assert 'data-load="34">34%</td>' in html


def test_a_slot_near_its_capacity_is_marked_before_it_is_over(client, world):  # noqa: F811
    add_students(world.campaign, world.econ, 157)  # 160 in 80 minutes
    world.campaign.unit_per_hour = 120  # 160 a slot: exactly full
    world.campaign.save()
    client.force_login(world.staff)
    html = text(client.get(reverse("sessions_app:staff_overview")))
    assert 'data-load="100"><span class="badge warn">100% 接近上限</span>' in html
    world.campaign.unit_per_hour = 100  # 133 a slot: over
    world.campaign.save()
    html = text(client.get(reverse("sessions_app:staff_overview")))
    assert 'data-load="120"><span class="badge bad">120% 超出</span>' in html


@pytest.mark.parametrize("role", ["coordinator", "counselor", "operator", "student_user"])
def test_staff_overview_is_staff_only(client, world, role):  # noqa: F811
    client.force_login(getattr(world, role))
    assert client.get(reverse("sessions_app:staff_overview")).status_code == 403


def test_staff_overview_unknown_campaign_is_404(client, world):  # noqa: F811
    client.force_login(world.staff)
    assert client.get(reverse("sessions_app:staff_overview"), {"campaign": "nope"}).status_code == 404


def test_staff_overview_query_count_does_not_grow(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("sessions_app:staff_overview")
    add_students(world.campaign, world.econ, 5)
    with django_assert_max_num_queries(20) as few:
        text(client.get(url))
    baseline = len(few)
    add_students(world.campaign, world.cs, 45)
    for student in Student.objects.filter(college=world.cs)[:20]:
        capture(world, student)
    make_student(world.campaign, make_college("又一个学院"))  # more unplaced rows too
    with django_assert_max_num_queries(baseline):
        text(client.get(url))


# --- coordinator ----------------------------------------------------------------


def test_coordinator_sees_only_their_college_with_live_count(client, world):  # noqa: F811
    capture(world, world.econ_student)
    capture(world, world.cs_student)
    client.force_login(world.coordinator)
    html = text(client.get(reverse("sessions_app:college_overview")))
    assert "张三" in html and "李四" in html and "王五" in html
    assert "赵六" not in html and "钱七" not in html
    assert f'data-key="college-{world.econ.pk}-captured">1</span>' in html
    assert f'data-key="college-{world.econ.pk}-expected">3</span>' in html
    assert "计算机学院" not in html
    assert reverse("capture_day:signin_sheet", args=[world.slot_econ.pk]) in html
    assert reverse("capture_day:signin_sheet", args=[world.slot_cs.pk]) not in html


def test_coordinator_filters_by_class_and_status(client, world):  # noqa: F811
    capture(world, world.econ_student2)
    client.force_login(world.coordinator)
    url = reverse("sessions_app:college_overview")
    html = text(client.get(url, {"class_name": "经管1702"}))
    assert "李四" in html and "王五" in html and "张三" not in html
    html = text(client.get(url, {"status": "captured"}))
    assert "李四" in html and "王五" not in html and "张三" not in html
    html = text(client.get(url, {"status": "not_captured", "class_name": "经管1702"}))
    assert "王五" in html and "李四" not in html
    html = text(client.get(url, {"q": "张"}))
    assert "张三" in html and "李四" not in html


def test_coordinator_page_survives_tampered_parameters(client, world):  # noqa: F811
    client.force_login(world.coordinator)
    url = reverse("sessions_app:college_overview")
    html = text(client.get(url, {"class_name": "计算机1701", "status": "hacked", "page": "abc"}))
    # an unknown class or status is ignored, never a way into another college
    assert "赵六" not in html and "张三" in html
    text(client.get(url, {"page": "99999"}))


def test_coordinator_paginates(client, world):  # noqa: F811
    add_students(world.campaign, world.econ, 60)
    client.force_login(world.coordinator)
    html = text(client.get(reverse("sessions_app:college_overview")))
    assert "第 1 / 2 页，共 63 人" in html
    assert "page=2" in html


def test_coordinator_paginates_a_filtered_list_by_its_own_count(client, world):  # noqa: F811
    add_students(world.campaign, world.econ, 150)  # 50 in each of 扩招0, 扩招1, 扩招2
    client.force_login(world.coordinator)
    url = reverse("sessions_app:college_overview")
    assert "第 1 / 4 页，共 153 人" in text(client.get(url))
    assert "第 1 / 1 页" not in text(client.get(url, {"class_name": "扩招1"}))  # one page: no pager
    add_students(world.campaign, world.econ, 3)  # one more each
    assert "第 2 / 2 页，共 51 人" in text(client.get(url, {"class_name": "扩招1", "page": "2"}))
    assert "第 1 / 4 页，共 156 人" in text(client.get(url, {"page": "1"}))


def test_coordinator_of_two_colleges_sees_each_ones_slots_and_rows(client, world):  # noqa: F811
    world.coordinator.colleges.add(world.cs)
    capture(world, world.cs_student)
    client.force_login(world.coordinator)
    url = reverse("sessions_app:college_overview")
    html = text(client.get(url))
    assert f'data-key="college-{world.cs.pk}-captured">1</span>' in html
    assert '<span data-key="total-expected">4</span>' in html
    for slot in (world.slot_econ, world.slot_cs):
        assert reverse("capture_day:signin_sheet", args=[slot.pk]) in html
    assert "08:30-09:50" in html and "09:50-11:00" in html  # each row's slot
    html = text(client.get(url, {"college": world.cs.pk}))
    assert "赵六" in html and "张三" not in html and "09:50-11:00" in html
    assert reverse("capture_day:signin_sheet", args=[world.slot_cs.pk]) in html
    assert reverse("capture_day:signin_sheet", args=[world.slot_econ.pk]) not in html
    # Another college's id in the address shows nobody, and no slot of that college.
    html = text(client.get(url, {"college": world.civil.pk}))
    assert "钱七" not in html and reverse("capture_day:signin_sheet", args=[world.slot_civil.pk]) not in html


def test_college_counts_endpoint(client, world):  # noqa: F811
    capture(world, world.econ_student)
    client.force_login(world.coordinator)
    values = client.get(reverse("sessions_app:college_counts")).json()["values"]
    assert values == {
        f"college-{world.econ.pk}-captured": 1,
        f"college-{world.econ.pk}-expected": 3,
        "total-captured": 1,
        "total-expected": 3,
    }


def test_college_counts_leave_out_undone_captures_and_other_campaigns(client, world):  # noqa: F811
    capture(world, world.econ_student)
    undone = Student.objects.filter(college=world.econ).exclude(pk=world.econ_student.pk).first()
    undo_check_in(capture=capture(world, undone), actor=world.staff, reason="刷错卡")
    other = make_campaign(code="2099", phase_override="closed")
    make_student(other, world.econ, name="别的批次")
    client.force_login(world.coordinator)
    values = client.get(reverse("sessions_app:college_counts")).json()["values"]
    assert values[f"college-{world.econ.pk}-captured"] == 1
    assert values[f"college-{world.econ.pk}-expected"] == 3


def test_coordinator_list_of_one_college_is_by_class_then_student_number(client, world):  # noqa: F811
    make_student(world.campaign, world.econ, name="甲班末", class_name="经管1700", student_no="20179999")
    make_student(world.campaign, world.econ, name="甲班首", class_name="经管1700", student_no="20170001")
    client.force_login(world.coordinator)
    html = text(client.get(reverse("sessions_app:college_overview")))
    names = re.findall(r'<a href="/capture/students/\d+/">([^<]+)</a>', html)
    assert names[:2] == ["甲班首", "甲班末"], names


def test_college_overview_query_count_does_not_grow(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.coordinator)
    url = reverse("sessions_app:college_overview")
    add_students(world.campaign, world.econ, 2)
    # session, user, the colleges' ids (which campaigns this user's scope touches: the page opens on
    # the one in progress), campaign, colleges, class names, the figures (with the slots' ids), the
    # slots, the page's rows and the inbox's unread count; the list's total is the figures' own.
    with django_assert_max_num_queries(10) as few:
        text(client.get(url))
    baseline = len(few)
    add_students(world.campaign, world.econ, 45)
    for student in Student.objects.filter(college=world.econ)[:30]:
        capture(world, student)
    with django_assert_max_num_queries(baseline):
        text(client.get(url))


# --- counselor --------------------------------------------------------------------


def test_counselor_sees_only_their_students(client, world):  # noqa: F811
    capture(world, world.econ_student)
    client.force_login(world.counselor)
    html = text(client.get(reverse("sessions_app:counselor_students")))
    assert "张三" in html and "已采集" in html and "08:30-09:50" in html
    assert "李四" not in html and "赵六" not in html


def test_counselor_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.counselor)
    url = reverse("sessions_app:counselor_students")
    with django_assert_max_num_queries(20) as few:
        text(client.get(url))
    baseline = len(few)
    for _ in range(30):
        make_student(world.campaign, world.econ, counselor=world.counselor)
    with django_assert_max_num_queries(baseline):
        assert text(client.get(url)).count("<tr>") >= 31


# --- student detail and URL tampering ----------------------------------------------


def test_student_detail_shows_capture_history(client, world):  # noqa: F811
    first = capture(world, world.econ_student)
    undo_check_in(capture=first, actor=world.staff, reason="刷错卡")
    capture(world, world.econ_student, slot=world.slot_cs)
    client.force_login(world.coordinator)
    html = text(client.get(reverse("sessions_app:student_detail", args=[world.econ_student.pk])))
    assert "张三" in html and "已撤销" in html and "刷错卡" in html and "非本人时段" in html
    assert world.econ_student.masked_id in html and world.econ_student.id_number not in html
    assert "撤销采集" not in html  # coordinators cannot undo


def test_staff_student_detail_offers_undo_and_override(client, world):  # noqa: F811
    active = capture(world, world.econ_student)
    client.force_login(world.staff)
    html = text(client.get(reverse("sessions_app:student_detail", args=[world.econ_student.pk])))
    assert reverse("capture_day:capture_undo", args=[active.pk]) in html
    assert reverse("sessions_app:student_override", args=[world.econ_student.pk]) in html


def test_student_detail_query_count_does_not_grow_with_history(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("sessions_app:student_detail", args=[world.econ_student.pk])
    undo_check_in(capture=capture(world, world.econ_student), actor=world.staff, reason="第一次")
    with django_assert_max_num_queries(15) as few:
        text(client.get(url))
    baseline = len(few)
    for i in range(10):
        undo_check_in(capture=capture(world, world.econ_student), actor=world.staff, reason=f"第{i + 2}次")
    capture(world, world.econ_student)
    with django_assert_max_num_queries(baseline):
        assert text(client.get(url)).count("已撤销</span>") == 11


@pytest.mark.parametrize(
    "role,allowed,forbidden",
    [
        ("coordinator", "econ_student", "cs_student"),
        ("cs_coordinator", "cs_student", "econ_student"),
        ("counselor", "econ_student", "econ_student2"),
    ],
)
def test_editing_the_student_id_in_the_url_gives_404(client, world, role, allowed, forbidden):  # noqa: F811
    client.force_login(getattr(world, role))
    assert client.get(reverse("sessions_app:student_detail", args=[getattr(world, allowed).pk])).status_code == 200
    assert client.get(reverse("sessions_app:student_detail", args=[getattr(world, forbidden).pk])).status_code == 404


@pytest.mark.parametrize("role", ["operator", "student_user"])
def test_operator_and_student_cannot_open_student_pages(client, world, role):  # noqa: F811
    client.force_login(getattr(world, role))
    assert client.get(reverse("sessions_app:student_detail", args=[world.econ_student.pk])).status_code == 403


def test_huge_ids_in_urls_are_404_not_500(client, world):  # noqa: F811
    client.force_login(world.staff)
    huge = 10**30
    assert client.get(f"/capture/students/{huge}/").status_code == 404
    assert client.get(f"/capture/desk/{huge}/").status_code == 404
    assert client.get(f"/capture/slots/{huge}/signin/").status_code == 404
    assert client.post(f"/capture/captures/{huge}/undo/", {"reason": "x"}).status_code == 404


# --- slot override ----------------------------------------------------------------


def test_staff_overrides_a_students_slot_with_a_reason(client, world):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("sessions_app:student_override", args=[world.econ_student.pk])
    assert "金石滩第一组" in text(client.get(url))
    response = client.post(url, {"slot": world.slot_cs.pk, "reason": "上午有考试"}, follow=True)
    assert "已调整 张三 的时段" in text(response)
    student = Student.objects.get(pk=world.econ_student.pk)
    assert student.assigned_slot == world.slot_cs and student.slot_status == SlotStatus.OVERRIDDEN
    event = AuditEvent.objects.get(action="slot.override")
    assert event.actor == world.staff and event.data["reason"] == "上午有考试"
    # and back to the rules
    client.post(url, {"slot": "", "reason": "考试取消"})
    student.refresh_from_db()
    assert student.assigned_slot == world.slot_econ and student.slot_status == SlotStatus.MATCHED


def test_override_needs_a_reason_and_a_slot_of_the_same_campaign(client, world):  # noqa: F811
    other_campaign = make_campaign()
    foreign = make_slot(other_campaign, group="别的组")
    client.force_login(world.staff)
    url = reverse("sessions_app:student_override", args=[world.econ_student.pk])
    html = text(client.post(url, {"slot": world.slot_cs.pk, "reason": ""}))
    assert "请填写调整时段的原因" in html
    html = text(client.post(url, {"slot": foreign.pk, "reason": "试试"}))
    assert "errors" in html
    html = text(client.post(url, {"slot": "abc", "reason": "试试"}))
    assert Student.objects.get(pk=world.econ_student.pk).assigned_slot == world.slot_econ
    assert not AuditEvent.objects.filter(action="slot.override").exists()


def test_override_page_labels_each_slot_with_whom_it_serves(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("sessions_app:student_override", args=[world.econ_student.pk])
    html = text(client.get(url))
    options = dict(
        (int(value), label) for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    )
    assert options[world.slot_econ.pk].endswith("· 经济管理学院")
    assert options[world.slot_cs.pk].endswith("· 计算机学院")
    assert options[world.slot_civil.pk].startswith("金石滩第二组") and options[world.slot_civil.pk].endswith(
        "· 土木学院"
    )
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(6):  # more slots, each with audiences: the same number of queries
        slot = make_slot(world.campaign, group=f"加开组{n}", start="14:00", end="15:00")
        make_audience(slot, college=make_college(f"加开学院{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("role", ["coordinator", "counselor", "operator", "student_user"])
def test_only_staff_override(client, world, role):  # noqa: F811
    client.force_login(getattr(world, role))
    url = reverse("sessions_app:student_override", args=[world.econ_student.pk])
    assert client.post(url, {"slot": world.slot_cs.pk, "reason": "x"}).status_code == 403
    assert Student.objects.get(pk=world.econ_student.pk).assigned_slot == world.slot_econ


# --- sign-in sheet ---------------------------------------------------------------


def test_signin_sheet_lists_the_slots_students_for_printing(client, world):  # noqa: F811
    client.force_login(world.staff)
    html = text(client.get(reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])))
    for header in ("序号", "学号", "姓名", "学院", "班级", "签名"):
        assert f">{header}</th>" in html
    assert "应到 3 人" in html
    # ordered by class then student number: 张三 (经管1701) first
    assert html.index("张三") < html.index("李四") < html.index("王五")
    assert "赵六" not in html
    assert f"<td>{world.econ_student.student_no}</td><td>张三</td><td>经济管理学院</td><td>经管1701</td>" in html
    assert "@media print" in open("static/css/site.css", encoding="utf-8").read()


def test_signin_sheet_scope(client, world):  # noqa: F811
    client.force_login(world.operator)
    assert client.get(reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])).status_code == 200
    assert client.get(reverse("capture_day:signin_sheet", args=[world.slot_civil.pk])).status_code == 404
    client.force_login(world.coordinator)
    assert "张三" in text(client.get(reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])))
    assert client.get(reverse("capture_day:signin_sheet", args=[world.slot_cs.pk])).status_code == 404
    client.force_login(world.counselor)
    assert client.get(reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])).status_code == 403


def test_signin_sheet_for_a_coordinator_lists_only_their_college(client, world):  # noqa: F811
    shared = world.slot_econ
    Student.objects.filter(pk=world.cs_student.pk).update(assigned_slot=shared)
    client.force_login(world.coordinator)
    html = text(client.get(reverse("capture_day:signin_sheet", args=[shared.pk])))
    assert "张三" in html and "赵六" not in html
    client.force_login(world.staff)
    assert "赵六" in text(client.get(reverse("capture_day:signin_sheet", args=[shared.pk])))


def test_signin_sheet_query_count_does_not_grow(client, world, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("capture_day:signin_sheet", args=[world.slot_econ.pk])
    with django_assert_max_num_queries(10) as few:
        text(client.get(url))
    baseline = len(few)
    add_students(world.campaign, world.econ, 50)
    with django_assert_max_num_queries(baseline):
        assert "应到 53 人" in text(client.get(url))


# --- the student's home ---------------------------------------------------------------


def test_student_home_shows_slot_rules_and_contact(client, world):  # noqa: F811
    client.force_login(world.student_user)
    html = text(client.get(reverse("home")))
    assert "张三" in html
    assert "2020年11月26日" in html and "08:30-09:50" in html
    assert "金石滩第一组" in html and "金石滩校区 大学生活动中心" in html
    assert "携带二代身份证" in html and "不得大声喧哗" in html  # Campaign.rule_lines()
    assert "二代身份证" in html and "于老师" in html
    assert '<a href="tel:87188626" data-testid="contact-phone">87188626</a>' in html  # tap to call on a phone
    assert "已采集" not in html


def test_student_home_after_capture(client, world):  # noqa: F811
    capture(world, world.econ_student)
    client.force_login(world.student_user)
    assert "已采集" in text(client.get(reverse("home")))


def test_student_home_renders_panels(client, world, monkeypatch):  # noqa: F811
    panels.render_student_panels(world.econ_student)  # let the apps register theirs first
    calls = []

    def test_panel(student):
        calls.append(student.pk)
        return "capture_day/_recent_item.html", {"c": Capture(student=student, captured_at=None), "can_undo": False}

    monkeypatch.setattr(panels, "_PANELS", [*panels._PANELS, (999, test_panel)])
    client.force_login(world.student_user)
    html = text(client.get(reverse("home")))
    assert calls == [world.econ_student.pk]
    assert 'class="recent-item outcome-captured"' in html


def test_student_without_slot_is_told_so(client, world):  # noqa: F811
    Student.objects.filter(pk=world.econ_student.pk).update(assigned_slot=None, slot_status=SlotStatus.UNMATCHED)
    client.force_login(world.student_user)
    assert "采集时段还没有确定" in text(client.get(reverse("home")))


def test_student_user_without_a_roster_row(client, db):
    client.force_login(make_user(Role.STUDENT))
    assert "没有找到你的采集信息" in text(client.get(reverse("home")))


def test_student_home_does_not_show_other_students(client, world):  # noqa: F811
    client.force_login(world.student_user)
    html = text(client.get(reverse("home")))
    assert "李四" not in html and "赵六" not in html


def test_coordinator_list_dates_follow_the_language(client, world):  # noqa: F811
    from django.conf import settings

    capture(world, world.econ_student)
    slot_date = world.econ_student.assigned_slot.date
    client.force_login(world.coordinator)
    chinese = text(client.get(reverse("sessions_app:college_overview")))
    assert f"{slot_date.month}月{slot_date.day}日" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = text(client.get(reverse("sessions_app:college_overview")))
    assert f"{slot_date.day} {slot_date:%b}" in english
    assert f"{slot_date.month}月{slot_date.day}日" not in english
