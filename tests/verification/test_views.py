import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from sessions_app.models import Student
from tests.factories import make_college, make_slot, make_student, make_user
from tests.jobs_support import start_from_page
from verification import services
from verification.models import ProblemReport, ReportStatus, VerificationRecord

from .conftest import capture

pytestmark = pytest.mark.django_db


def _student_user(student):
    user = make_user(Role.STUDENT)
    Student.objects.filter(pk=student.pk).update(user=user)
    return user


def _captured_today_minus(student, days):
    return capture(student, on=timezone.localdate() - datetime.timedelta(days=days))


def test_student_sees_due_date_countdown_and_chsi_address(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 30)  # 40-day window: 10 days left
    client.force_login(_student_user(student))
    page = client.get(reverse("verification:index")).content.decode()
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert f"{due.year}年{due.month}月{due.day}日" in page
    assert "还剩 10 天" in page
    assert "https://xjxl.chsi.com.cn" in page
    assert "我已在学信网核对确认" in page
    # Each problem type shows the notice's instruction.
    assert "二十四小时后就会上传照片" in page
    assert "360 浏览器和搜狗浏览器" in page
    assert "学院统一上报学校主管学籍的老师" in page


def test_student_without_capture_is_told_to_wait(client, campaign, student_factory):
    student = student_factory()
    client.force_login(_student_user(student))
    page = client.get(reverse("verification:index")).content.decode()
    assert "你还没有采集记录" in page
    assert "我已在学信网核对确认" not in page


def test_overdue_student_sees_overdue(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 43)
    client.force_login(_student_user(student))
    assert "已逾期 3 天" in client.get(reverse("verification:index")).content.decode()


def test_student_confirms(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 1)
    client.force_login(_student_user(student))
    unticked = client.post(reverse("verification:confirm"), follow=True).content.decode()
    assert "请先勾选" in unticked and VerificationRecord.objects.get(student=student).confirmed_at is None
    response = client.post(reverse("verification:confirm"), {"checked": "1"}, follow=True)
    page = response.content.decode()
    assert "已记录：你已在学信网核对确认" in page
    assert "我已在学信网核对确认</button>" not in page
    assert VerificationRecord.objects.get(student=student).confirmation_source == "student"


def test_wrong_data_goes_to_coordinator_then_staff_and_student_sees_each_step(
    client, campaign, college, student_factory, django_capture_on_commit_callbacks
):
    student = student_factory(name="王同学")
    _captured_today_minus(student, 2)
    student_user = _student_user(student)
    coordinator = make_user(Role.COORDINATOR, display_name="李老师")
    coordinator.colleges.add(college)
    staff = make_user(Role.STAFF, display_name="张老师")

    client.force_login(student_user)
    empty = client.post(reverse("verification:report_problem"), {"problem_type": "wrong_data", "description": ""})
    assert empty.status_code == 400
    assert "请写明哪一项信息有误" in empty.content.decode()
    client.post(reverse("verification:report_problem"), {"problem_type": "wrong_data", "description": "专业名称错了"})
    again = client.post(reverse("verification:report_problem"), {"problem_type": "wrong_data", "description": "再报"})
    assert "这个问题你已经反馈过" in again.content.decode()
    report = ProblemReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert Notification.objects.filter(user=coordinator, kind="verification_problem").count() == 1

    client.force_login(coordinator)
    listing = client.get(reverse("verification:reports"), {"campaign": campaign.code}).content.decode()
    assert "王同学" in listing and "本人学籍信息有误" in listing
    client.post(reverse("verification:forward", args=[report.pk]), {"note": "已核实，请更正专业"})
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED
    # A coordinator cannot resolve: that is 教务处's step.
    assert client.post(reverse("verification:resolve", args=[report.pk]), {"note": "x"}).status_code == 403

    client.force_login(staff)
    assert client.post(reverse("verification:resolve", args=[report.pk]), {"note": ""}).status_code == 400
    client.post(reverse("verification:resolve", args=[report.pk]), {"note": "已在学籍系统更正"})

    client.force_login(student_user)
    page = client.get(reverse("verification:index")).content.decode()
    assert "已处理完毕" in page
    assert "学院上报教务处（李老师）：已核实，请更正专业" in page
    assert "处理完毕（张老师）：已在学籍系统更正" in page
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "学院已上报教务处学籍管理老师" in inbox and "已在学籍系统更正" in inbox


def test_no_photo_report_is_self_help_and_closed_by_confirmation(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 2)
    client.force_login(_student_user(student))
    client.post(reverse("verification:report_problem"), {"problem_type": "no_photo_find"})
    assert ProblemReport.objects.get().status == ReportStatus.SELF_HELP
    client.post(reverse("verification:confirm"), {"checked": "1"})
    assert ProblemReport.objects.get().status == ReportStatus.RESOLVED


def test_coordinator_cannot_open_another_colleges_report(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 2)
    client.force_login(_student_user(student))
    client.post(reverse("verification:report_problem"), {"problem_type": "wrong_photo", "description": "不是我"})
    report = ProblemReport.objects.get()
    stranger = make_user(Role.COORDINATOR)
    stranger.colleges.add(make_college("外国语学院"))
    client.force_login(stranger)
    assert client.get(reverse("verification:report", args=[report.pk])).status_code == 404
    assert client.post(reverse("verification:forward", args=[report.pk]), {"note": ""}).status_code == 404
    assert client.get(reverse("verification:report", args=[999999])).status_code == 404


def test_student_cannot_close_someone_elses_report(client, campaign, student_factory):
    owner = student_factory()
    _captured_today_minus(owner, 2)
    client.force_login(_student_user(owner))
    client.post(reverse("verification:report_problem"), {"problem_type": "no_photo_none"})
    report = ProblemReport.objects.get()
    other = student_factory()
    client.force_login(_student_user(other))
    assert client.post(reverse("verification:close_report", args=[report.pk])).status_code == 404


def test_bad_input_never_500(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 2)
    client.force_login(_student_user(student))
    assert client.post(reverse("verification:report_problem"), {"problem_type": "nonsense"}).status_code == 400
    assert client.post(reverse("verification:report_problem"), {"description": "x" * 5000}).status_code == 400
    assert client.get(reverse("verification:confirm")).status_code == 405
    staff = make_user(Role.STAFF)
    client.force_login(staff)
    assert client.get(reverse("verification:overdue"), {"college": "abc", "page": "zz"}).status_code == 200
    assert client.get(reverse("verification:reports"), {"status": "<script>"}).status_code == 200
    assert client.get(reverse("verification:index"), {"campaign": "nope"}).status_code == 404


def test_operator_has_no_verification_page(client, campaign):
    client.force_login(make_user(Role.OPERATOR))
    assert client.get(reverse("verification:index")).status_code == 403


def _progress_setup(campaign, college, student_factory, n):
    operator = make_user(Role.OPERATOR)
    slot = make_slot(campaign, group=f"组{n}", date=timezone.localdate())
    today = timezone.localdate()
    for i in range(n):
        s = student_factory()
        capture(s, on=today - datetime.timedelta(days=45 if i % 2 else 5), slot=slot, operator=operator)


def test_progress_per_college_scoped_to_coordinator(client, campaign, college, student_factory):
    _progress_setup(campaign, college, student_factory, 4)  # 2 overdue, 2 pending
    other_college = make_college("外国语学院")
    capture(make_student(campaign, college=other_college), on=timezone.localdate() - datetime.timedelta(days=50))
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    page = client.get(reverse("verification:index"), {"campaign": campaign.code}).content.decode()
    assert "计算机科学与工程学院" in page and "外国语学院" not in page
    overdue = client.get(reverse("verification:overdue"), {"campaign": campaign.code}).content.decode()
    assert overdue.count("<tr><td>计算机科学与工程学院") == 2
    # Editing the college id in the URL shows nothing of the other college.
    other = client.get(reverse("verification:overdue"), {"campaign": campaign.code, "college": other_college.pk})
    assert "没有逾期未确认的学生" in other.content.decode()


@pytest.mark.parametrize(
    "page_name", ["verification:index", "verification:overdue", "verification:reports", "verification:unconfirmed"]
)
def test_list_pages_constant_queries(
    client, campaign, college, student_factory, django_assert_max_num_queries, page_name
):
    staff = make_user(Role.STAFF)
    client.force_login(staff)
    _progress_setup(campaign, college, student_factory, 3)
    for s in Student.objects.all()[:2]:
        ProblemReport.objects.create(campaign=campaign, student=s, problem_type="wrong_data", status="submitted")
    with django_assert_max_num_queries(14) as small:
        assert client.get(reverse(page_name), {"campaign": campaign.code, "status": "all"}).status_code == 200
    _progress_setup(campaign, college, student_factory, 30)
    for s in Student.objects.filter(problem_reports__isnull=True)[:20]:
        ProblemReport.objects.create(campaign=campaign, student=s, problem_type="wrong_photo", status="submitted")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(page_name), {"campaign": campaign.code, "status": "all"}).status_code == 200


def test_student_takes_back_a_confirmation_the_same_day_only(client, campaign, student_factory):
    import datetime

    from django.utils import timezone

    student = student_factory()
    _captured_today_minus(student, 1)
    client.force_login(_student_user(student))
    page = client.post(reverse("verification:confirm"), {"checked": "1"}, follow=True).content.decode()
    assert "点错了，撤回确认（仅限当天）" in page
    page = client.post(reverse("verification:withdraw_confirmation"), follow=True).content.decode()
    assert "已撤回确认" in page and "我已在学信网核对确认</button>" in page
    record = VerificationRecord.objects.get(student=student)
    assert record.confirmed_at is None and record.confirmation_source == ""

    client.post(reverse("verification:confirm"), {"checked": "1"})
    VerificationRecord.objects.filter(pk=record.pk).update(confirmed_at=timezone.now() - datetime.timedelta(days=1))
    page = client.get(reverse("verification:index")).content.decode()
    assert "撤回确认" not in page
    page = client.post(reverse("verification:withdraw_confirmation"), follow=True).content.decode()
    assert "确认只能在当天撤回" in page
    assert VerificationRecord.objects.get(pk=record.pk).confirmed_at is not None


# --- 统一上报: the coordinator forwards many reports at once ------------------------------


def _report(campaign, student, problem_type="wrong_data", status="submitted"):
    return ProblemReport.objects.create(
        campaign=campaign, student=student, problem_type=problem_type, status=status, description="姓名有误"
    )


def test_coordinator_forwards_the_ticked_reports_in_one_batch(client, campaign, college, student_factory):
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    waiting = [_report(campaign, student_factory(name=f"学生{i}")) for i in range(3)]
    self_help = _report(campaign, student_factory(name="自助"), problem_type="no_photo_find", status="self_help")
    outsider = _report(campaign, make_student(campaign, make_college("外国语学院")))
    client.force_login(coordinator)

    page = client.get(reverse("verification:reports"), {"campaign": campaign.code, "status": "submitted"})
    body = page.content.decode()
    assert "统一上报所选问题到教务处" in body
    assert body.count('name="report"') == 3  # only the ones waiting for the college, of this college

    response = client.post(
        reverse("verification:forward_batch") + f"?campaign={campaign.code}",
        {"report": [r.pk for r in waiting[:2]] + [self_help.pk, outsider.pk], "note": "已汇总报学籍科"},
        follow=True,
    )
    body = response.content.decode()
    assert "已统一上报 2 条问题到教务处" in body
    assert "2 条没有上报" in body  # the self-help one and the other college's (not even visible)
    statuses = dict(ProblemReport.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in waiting] == ["forwarded", "forwarded", "submitted"]
    assert statuses[self_help.pk] == "self_help" and statuses[outsider.pk] == "submitted"
    # Each student hears of it once, with the batch's note.
    told = Notification.objects.filter(kind="verification_problem", step="forwarded")
    assert told.count() == 2 and all("已汇总报学籍科" in n.body for n in told)
    # The page now offers only the one left.
    again = client.get(reverse("verification:reports"), {"campaign": campaign.code, "status": "submitted"})
    assert again.content.decode().count('name="report"') == 1


def test_batch_forward_without_a_tick_says_what_to_do(client, campaign, college):
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    response = client.post(reverse("verification:forward_batch") + f"?campaign={campaign.code}", follow=True)
    assert "请先勾选要统一上报的问题" in response.content.decode()
    counselor = make_user(Role.COUNSELOR)
    client.force_login(counselor)
    assert client.post(reverse("verification:forward_batch")).status_code == 403


def test_staff_filter_reports_by_college(client, campaign, college, student_factory):
    other = make_college("外国语学院")
    _report(campaign, student_factory(name="计算机甲"))
    _report(campaign, make_student(campaign, other, name="外语乙"))
    client.force_login(make_user(Role.STAFF))
    everything = client.get(reverse("verification:reports"), {"campaign": campaign.code}).content.decode()
    assert "计算机甲" in everything and "外语乙" in everything and 'name="college"' in everything
    one = client.get(reverse("verification:reports"), {"campaign": campaign.code, "college": other.pk}).content.decode()
    assert "外语乙" in one and "计算机甲" not in one
    assert f'value="{other.pk}" selected' in one


# --- before the deadline: the unconfirmed list and "remind these now" -------------------


def test_coordinator_sees_who_has_not_confirmed_before_the_deadline_soonest_first(
    client, campaign, college, student_factory
):
    soon, later = student_factory(name="快到期"), student_factory(name="刚采集")
    _captured_today_minus(soon, 38)  # 2 days left
    _captured_today_minus(later, 1)  # 39 days left
    _captured_today_minus(student_factory(name="已逾期"), 45)
    confirmed = student_factory(name="已确认")
    _captured_today_minus(confirmed, 3)
    VerificationRecord.objects.filter(student=confirmed).update(
        confirmed_at=timezone.now(), confirmation_source="student"
    )
    capture(make_student(campaign, make_college("外国语学院"), name="外院"), on=timezone.localdate())
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)

    body = client.get(reverse("verification:unconfirmed"), {"campaign": campaign.code}).content.decode()
    assert body.index("快到期") < body.index("刚采集")
    assert "已逾期" not in body and "已确认" not in body and "外院" not in body
    assert "现在提醒这 2 名学生" in body
    assert '<td class="num">2</td>' in body and '<td class="num">39</td>' in body


def test_remind_these_now_reaches_each_student_once_a_day(client, campaign, college, student_factory, settings):
    settings.VERIFICATION_REMINDER_DAYS = [7]
    morning, plain = student_factory(name="早上已提醒"), student_factory(name="还没提醒")
    _captured_today_minus(morning, 33)  # 7 days left: the daily run's d-7 goes today
    _captured_today_minus(plain, 10)
    from verification.reminders import VERIFICATION_KIND, send_verification_reminders

    assert send_verification_reminders(campaign=campaign).total == 1
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    url = reverse("verification:remind_unconfirmed") + f"?campaign={campaign.code}"

    asked = client.post(url).content.decode()
    assert "今天已收到提醒的 1 名学生不再重复" in asked and "确认发送给 1 人" in asked
    start_from_page(client, url, {"confirm": "1"})
    body = client.get(reverse("verification:unconfirmed"), {"campaign": campaign.code}).content.decode()
    assert body.count('<span class="badge ok">已提醒</span>') == 2  # both have heard from us today
    notes = Notification.objects.filter(kind=VERIFICATION_KIND)
    assert sorted(notes.values_list("student__name", "step")) == [
        ("早上已提醒", "d-7"),
        ("还没提醒", f"now-{timezone.localdate():%Y-%m-%d}"),
    ]
    assert "还剩 30 天" in notes.get(student__name="还没提醒").title

    again = client.post(url, {"confirm": "1"}).content.decode()
    assert "名单上的学生今天都已提醒过" in again and "确认发送" not in again
    assert notes.count() == 2
    # Nor does tomorrow's daily run repeat what was sent now: the next step is the student's own.
    assert send_verification_reminders(campaign=campaign).total == 0


def test_remind_now_stays_inside_the_coordinators_colleges(client, campaign, college, student_factory):
    mine = student_factory(name="本院")
    _captured_today_minus(mine, 5)
    outsider = make_student(campaign, make_college("外国语学院"), name="外院")
    capture(outsider, on=timezone.localdate())
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    client.force_login(coordinator)
    start_from_page(
        client,
        reverse("verification:remind_unconfirmed") + f"?campaign={campaign.code}",
        {"college": "", "confirm": "1"},
    )
    assert list(Notification.objects.values_list("student__name", flat=True)) == ["本院"]
    client.force_login(make_user(Role.STUDENT))
    assert client.post(reverse("verification:remind_unconfirmed")).status_code == 403


def test_the_students_own_reports_come_right_after_their_state(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 3)
    user = _student_user(student)
    _report(campaign, student)
    client.force_login(user)
    page = client.get(reverse("verification:index")).content.decode()
    assert page.index("还剩 37 天") < page.index('id="my-reports"') < page.index('id="report"')
    assert page.index("我的反馈") < page.index("照片或信息出错")


@pytest.mark.parametrize("problem_type", ["wrong_photo", "wrong_data"])
def test_a_student_with_an_open_wrong_photo_or_data_report_is_told_to_wait_not_offered_to_confirm(
    client, campaign, student_factory, problem_type
):
    student = student_factory()
    _captured_today_minus(student, 2)
    user = _student_user(student)
    client.force_login(user)
    client.post(reverse("verification:report_problem"), {"problem_type": problem_type, "description": "照片是别人的"})
    page = client.get(reverse("verification:index")).content.decode()
    assert 'data-testid="wait-for-report"' in page and "在此之前请不要在学信网上点确认" in page
    assert "我已在学信网核对确认" not in page

    response = client.post(reverse("verification:confirm"), {"checked": "1"}, follow=True)
    assert "还在处理中，请等处理完毕" in response.content.decode()
    assert VerificationRecord.objects.get(student=student).confirmed_at is None

    services.resolve_report(report=ProblemReport.objects.get(), actor=make_user(Role.STAFF), note="已更正")
    page = client.get(reverse("verification:index")).content.decode()
    assert "我已在学信网核对确认" in page and "wait-for-report" not in page


def test_an_empty_report_says_what_to_choose_not_that_a_field_is_required(client, campaign, student_factory):
    student = student_factory()
    _captured_today_minus(student, 2)
    client.force_login(_student_user(student))
    page = client.post(reverse("verification:report_problem"), {"description": ""}).content.decode()
    assert "请先选择遇到的是哪一种问题" in page and "这个字段是必填项" not in page
    assert not ProblemReport.objects.exists()
