import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from capture_day.services import check_in
from core.registries import render_student_panels
from retakes import services
from retakes.models import Channel, CheckStatus, Reason, RetakePhoto, RetakeRequest, Status
from tests.factories import make_desk_operator, make_slot, make_student, make_user
from tests.jobs_support import export_file

from .view_support import logged_in, new_request, text, upload

pytestmark = pytest.mark.django_db


# --- pages per role -------------------------------------------------------------------


def test_student_files_a_request_and_sees_the_channel_instructions(student, student_user):
    client = logged_in(student_user)
    page = client.get(reverse("retakes:index"))
    assert "申请补拍" in text(page) and "照片自查" in text(page)
    response = client.post(
        reverse("retakes:new"),
        {"reason": Reason.INTERNSHIP, "channel": Channel.LOCAL_XINHUA, "planned_date": "2021-03-10"},
        follow=True,
    )
    request = RetakeRequest.objects.get(student=student)
    assert response.redirect_chain[-1][0] == reverse("retakes:detail", args=[request.pk])
    body = text(response)
    assert "到实习所在地的新华社图像采集点采集" in body
    assert "纸质照片" in body and "辅导员尚未收到" in body
    assert "2021-03-31" in body  # the campaign's deadline


def test_request_form_errors_are_shown_not_raised(student_user, student):
    client = logged_in(student_user)
    response = client.post(reverse("retakes:new"), {"reason": Reason.OTHER, "channel": "nowhere"})
    assert response.status_code == 200
    assert "请说明具体原因" in text(response)
    assert not RetakeRequest.objects.exists()


def test_a_second_open_request_is_refused_with_a_message(student_user, student):
    new_request(student, student_user)
    response = logged_in(student_user).post(reverse("retakes:new"), {"reason": Reason.ABROAD, "channel": Channel.PROXY})
    assert response.status_code == 200 and "已有一个未完成的补拍申请" in text(response)


def test_counselor_files_for_own_students_only(counselor, student, other_student):
    client = logged_in(counselor)
    url = reverse("retakes:new") + "?campaign=bk2021"
    refused = client.post(url, {"student_no": other_student.student_no, "reason": "hospital", "channel": "proxy"})
    assert "在你可以办理的学生中没有这个学号" in text(refused)
    assert not RetakeRequest.objects.exists()
    client.post(url, {"student_no": f" {student.student_no} ", "reason": "hospital", "channel": "proxy"})
    request = RetakeRequest.objects.get()
    assert request.student == student and request.created_by == counselor


def test_counselor_list_shows_only_their_students(counselor, student, other_student, student_user, staff):
    new_request(student, student_user)
    new_request(other_student, staff)
    body = text(logged_in(counselor).get(reverse("retakes:index")))
    assert student.student_no in body and other_student.student_no not in body
    staff_body = text(logged_in(staff).get(reverse("retakes:index")))
    assert student.student_no in staff_body and other_student.student_no in staff_body
    assert "导出补拍名单" in staff_body and "导出补拍名单" not in body


def test_status_and_college_filters(staff, student, other_student, student_user):
    new_request(student, student_user)
    cancelled = new_request(other_student, staff)
    services.cancel_request(request=cancelled, actor=staff)
    client = logged_in(staff)
    body = text(client.get(reverse("retakes:index"), {"status": "open"}))
    assert student.student_no in body and other_student.student_no not in body
    body = text(client.get(reverse("retakes:index"), {"college": other_student.college_id}))
    assert student.student_no not in body and other_student.student_no in body
    assert client.get(reverse("retakes:index"), {"college": "x", "status": "nonsense", "page": "zz"}).status_code == 200


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OPERATOR])
def test_roles_without_retakes_are_refused(role, student, student_user):
    request = new_request(student, student_user)
    client = logged_in(make_user(role))
    assert client.get(reverse("retakes:index")).status_code == 403
    assert client.get(reverse("retakes:detail", args=[request.pk])).status_code == 403


def test_editing_the_id_in_the_url_gives_404(student, other_student, student_user, counselor):
    mine = new_request(student, student_user)
    theirs = new_request(other_student, other_student.counselor)
    client = logged_in(student_user)
    assert client.get(reverse("retakes:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("retakes:detail", args=[theirs.pk])).status_code == 404
    assert logged_in(counselor).get(reverse("retakes:detail", args=[theirs.pk])).status_code == 404
    for name in ("upload", "paper", "cancel"):
        assert client.post(reverse(f"retakes:{name}", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.REQUESTED


def test_anonymous_users_are_sent_to_login(student, student_user):
    request = new_request(student, student_user)
    client = Client()
    for url in (reverse("retakes:index"), reverse("retakes:detail", args=[request.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert client.post(reverse("retakes:self_check")).status_code == 302


# --- list pages: query counts -------------------------------------------------------------


def _populate(campaign, college, counselor, staff, photos, n):
    for _ in range(n):
        student = make_student(campaign, college, counselor=counselor)
        request = new_request(student, staff)
        photo = services.submit_photo(request=request, data=photos["pass"], actor=staff)
        # The check itself is tested elsewhere; here only its stored result matters.
        RetakePhoto.objects.filter(pk=photo.pk).update(check_status=CheckStatus.PASSED)
        RetakeRequest.objects.filter(pk=request.pk).update(status=Status.CHECKED)


@pytest.mark.parametrize("who", ["staff", "counselor"])
def test_list_query_count_does_not_grow_with_rows(
    who, campaign, college, counselor, staff, photos, django_assert_max_num_queries
):
    user = staff if who == "staff" else counselor
    client = logged_in(user)
    _populate(campaign, college, counselor, staff, photos, 3)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("retakes:index"))
    _populate(campaign, college, counselor, staff, photos, 30)
    with django_assert_max_num_queries(8):
        second = client.get(reverse("retakes:index"))
    rows = re.compile(r'href="/retakes/\d+/"')
    assert len(rows.findall(text(first))) == 3
    assert len(rows.findall(text(second))) == 33
    assert text(second).count("检查通过") == 33


# --- student panel --------------------------------------------------------------------


def test_student_panel_invites_an_uncaptured_student_and_then_shows_status(student, student_user):
    panels = [p for p in render_student_panels(student) if p[0] == "retakes/student_panel.html"]
    assert panels and panels[0][1]["retake"] is None
    request = new_request(student, student_user)
    (panel,) = [p for p in render_student_panels(student) if p[0] == "retakes/student_panel.html"]
    assert panel[1]["retake"] == request and panel[1]["retake_open"] is True


def test_student_panel_is_hidden_for_a_captured_student_without_request(campaign, college):
    student = make_student(campaign, college)
    slot = make_slot(campaign)
    check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=make_desk_operator(slot))
    assert not [p for p in render_student_panels(student) if p[0] == "retakes/student_panel.html"]


def test_student_home_page_shows_the_panel(student, student_user):
    body = text(logged_in(student_user).get(reverse("home")))
    assert "申请补拍" in body and reverse("retakes:new") in body


def test_student_home_page_shows_the_newest_request_it_read_with_the_student(student, student_user):
    """The newest request comes in the page's one query of the student (no query of its own)."""
    first = new_request(student, student_user, channel=Channel.CENTRAL)
    services.cancel_request(request=first, actor=student_user, reason="改为线上")
    newest = new_request(student, student_user, channel=Channel.ONLINE)
    client = logged_in(student_user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        body = text(client.get(reverse("home")))
    assert "补拍方式：微信公众号线上采集" in body and '状态：<span class="badge warn">已申请</span>' in body
    assert reverse("retakes:detail", args=[newest.pk]) in body
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "retakes_retakerequest"')]
    assert len(queries) <= 3


def test_cancel_from_the_page(student, student_user):
    request = new_request(student, student_user)
    response = logged_in(student_user).post(reverse("retakes:cancel", args=[request.pk]), {"reason": "已在外地补拍"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert request.events.last().note == "已在外地补拍"


def test_check_status_labels_in_detail(student, student_user, photos):
    request = new_request(student, student_user)
    photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    assert photo.check_status == CheckStatus.PENDING
    body = text(logged_in(student_user).get(reverse("retakes:detail", args=[request.pk])))
    assert "检查中" in body


def test_export_from_the_staff_page(staff, student, student_user, counselor):
    new_request(student, student_user)
    client = logged_in(staff)
    old = client.get(reverse("retakes:export"), {"campaign": "bk2021"})
    assert old["Location"] == "/exports/retakes/?campaign=bk2021"
    _html, response = export_file(client, "retakes", "bk2021")
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "bk2021.xlsx" in response["Content-Disposition"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[2]][:2] == [student.student_no, "张三"]
    assert logged_in(counselor).get(reverse("retakes:export")).status_code == 403


def test_self_check_is_throttled_per_user(student_user, photos, monkeypatch):
    from retakes import views

    monkeypatch.setattr(views, "SELF_CHECKS_PER_MINUTE", 2)
    client = logged_in(student_user)
    statuses = [
        client.post(reverse("retakes:self_check"), {"photo": upload(photos["empty"])}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    response = client.post(reverse("retakes:self_check"), {"photo": upload(photos["empty"])})
    assert response.json()["error"] == "检查太频繁，请一分钟后再试"


def test_too_long_texts_get_a_message(student, student_user, staff, photos):
    request = new_request(student, student_user)
    response = logged_in(student_user).post(
        reverse("retakes:upload", args=[request.pk]),
        {"photo": upload(photos["pass"]), "note": "长" * 1001},
        follow=True,
    )
    assert "说明太长" in text(response) and not RetakePhoto.objects.exists()
    response = logged_in(staff).post(
        reverse("retakes:review", args=[request.pk]), {"decision": "accept", "reason": "长" * 501}, follow=True
    )
    assert "理由太长" in text(response)


def test_admin_lists_and_shows_retakes_read_only(student, student_user, photos, django_capture_on_commit_callbacks):
    admin_user = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    request = new_request(student, student_user)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    client = logged_in(admin_user)
    for model, pk in (("retakerequest", request.pk), ("retakephoto", photo.pk), ("retakeevent", None)):
        listing = client.get(reverse(f"admin:retakes_{model}_changelist"))
        assert listing.status_code == 200 and student.student_no in text(listing)
        if pk:
            page = client.get(reverse(f"admin:retakes_{model}_change", args=[pk]))
            assert page.status_code == 200
            assert 'name="_save"' not in text(page)  # nothing to edit here
    assert client.get(reverse("admin:retakes_retakerequest_add")).status_code == 403


def test_upload_with_the_broker_down_answers_and_the_sweeper_checks_it_later(
    student, student_user, photos, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerError

    from photocapture.celery import app
    from retakes.tasks import check_retake_photo, sweep_pending_checks

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    request = new_request(student, student_user)
    client = logged_in(student_user)
    monkeypatch.setattr(check_retake_photo, "apply_async", broker_down)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("retakes:upload", args=[request.pk]), {"photo": upload(photos["pass"])})
    finally:
        app.conf.task_always_eager = eager
    assert response.status_code == 302  # the student is not asked to upload again
    photo = RetakePhoto.objects.get()
    assert photo.check_status == CheckStatus.PENDING
    assert "检查中" in text(client.get(response["Location"]))

    monkeypatch.undo()
    settings.RETAKES_RECHECK_PENDING_AFTER_SECONDS = 3600
    assert sweep_pending_checks.apply().get() == 0  # a recent upload may still be on its way
    settings.RETAKES_RECHECK_PENDING_AFTER_SECONDS = 0
    assert sweep_pending_checks.apply().get() == 1
    photo.refresh_from_db()
    assert photo.check_status == CheckStatus.PASSED
    assert sweep_pending_checks.apply().get() == 0


# --- decisions reach the inbox; the paper photo can be taken back ----------------------


def _checked(request, actor, photos, capture, name="pass"):
    with capture(execute=True):
        services.submit_photo(request=request, data=photos[name], actor=actor, note="只有这张")
    request.refresh_from_db()
    return request


def test_a_returned_photo_reaches_the_students_inbox_with_the_reason_and_an_unread_count(
    student, student_user, staff, photos, django_capture_on_commit_callbacks
):
    request = _checked(new_request(student, student_user), student_user, photos, django_capture_on_commit_callbacks)
    client = logged_in(student_user)
    home = text(client.get(reverse("retakes:index")))
    assert 'data-testid="inbox-link"' in home and 'data-testid="inbox-unread"' not in home
    logged_in(staff).post(
        reverse("retakes:review", args=[request.pk]), {"decision": "return", "reason": "头顶没有留白"}
    )

    page = text(client.get(reverse("retakes:index")))
    assert re.search(r'data-testid="inbox-unread">1</span>', page)
    inbox = text(client.get(reverse("notifications:inbox")))
    assert "补拍电子照片被退回，请重新提交" in inbox and "退回原因：头顶没有留白。" in inbox

    # A new photo accepted: a second message, about that photo; nothing repeated.
    request = _checked(request, student_user, photos, django_capture_on_commit_callbacks)
    logged_in(staff).post(reverse("retakes:review", args=[request.pk]), {"decision": "accept"})
    inbox = text(client.get(reverse("notifications:inbox")))
    assert "补拍电子照片已通过审核" in inbox and "补拍已完成" in inbox
    assert inbox.count("补拍电子照片被退回") == 1
    assert re.search(r'data-testid="inbox-unread">2</span>', text(client.get(reverse("retakes:index"))))
    client.post(reverse("notifications:mark_all_read"))
    assert 'data-testid="inbox-unread"' not in text(client.get(reverse("retakes:index")))


def test_an_accepted_photo_that_still_needs_paper_says_so(
    student, student_user, staff, photos, django_capture_on_commit_callbacks
):
    request = _checked(
        new_request(student, student_user, channel=Channel.ONLINE),
        student_user,
        photos,
        django_capture_on_commit_callbacks,
    )
    logged_in(staff).post(reverse("retakes:review", args=[request.pk]), {"decision": "accept"})
    inbox = text(logged_in(student_user).get(reverse("notifications:inbox")))
    assert "补拍电子照片已通过审核" in inbox and "请尽快把纸质照片交给辅导员" in inbox


def test_the_desk_operator_has_no_inbox_link(db):
    operator = make_user(Role.OPERATOR)
    page = text(logged_in(operator).get(reverse("capture_day:desk_index")))
    assert 'data-testid="inbox-link"' not in page


def test_counselor_undoes_a_mistaken_paper_photo_received(
    student, student_user, counselor, staff, photos, django_capture_on_commit_callbacks
):
    request = _checked(
        new_request(student, counselor, channel=Channel.ONLINE), counselor, photos, django_capture_on_commit_callbacks
    )
    logged_in(staff).post(reverse("retakes:review", args=[request.pk]), {"decision": "accept"})
    client = logged_in(counselor)
    client.post(reverse("retakes:paper", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == Status.DONE
    page = text(client.get(reverse("retakes:detail", args=[request.pk])))
    assert "撤销“已收到纸质照片”" in page

    response = client.post(reverse("retakes:undo_paper", args=[request.pk]), {"reason": "点错了学生"}, follow=True)
    body = text(response)
    assert "已撤销“已收到纸质照片”：这份申请又在等纸质照片" in body
    assert "辅导员尚未收到" in body and "点错了学生" in body
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED and request.paper_photo_received_at is None
    assert request.events.filter(note_code="paper_undone", from_status=Status.DONE).exists()
    assert "登记：已收到纸质照片" in body  # it can be recorded again when it really comes
    again = text(client.post(reverse("retakes:undo_paper", args=[request.pk]), follow=True))
    assert "还没有登记收到纸质照片，无需撤销" in again


def test_only_who_recorded_the_paper_photo_or_staff_may_undo_it(
    student, student_user, counselor, staff, photos, django_capture_on_commit_callbacks
):
    request = new_request(student, counselor, channel=Channel.ONLINE)
    services.record_paper_photo(request=request, actor=staff)
    client = logged_in(counselor)
    assert "撤销“已收到纸质照片”" not in text(client.get(reverse("retakes:detail", args=[request.pk])))
    refused = text(client.post(reverse("retakes:undo_paper", args=[request.pk]), follow=True))
    assert "只能撤销自己登记的纸质照片；其他请联系教务处" in refused
    assert logged_in(student_user).post(reverse("retakes:undo_paper", args=[request.pk])).status_code == 403
    request.refresh_from_db()
    assert request.paper_photo_received_at is not None
    logged_in(staff).post(reverse("retakes:undo_paper", args=[request.pk]))
    request.refresh_from_db()
    assert request.paper_photo_received_at is None


def test_staff_search_the_retakes_list_by_number_or_name(campaign, college, counselor, staff):
    wang = make_student(campaign, college, counselor=counselor, name="王小明", student_no="2017001001")
    li = make_student(campaign, college, counselor=counselor, name="李四", student_no="2017002002")
    for s in (wang, li):
        new_request(s, staff)
    client = logged_in(staff)
    by_name = text(client.get(reverse("retakes:index"), {"q": "小明"}))
    assert "王小明" in by_name and "李四" not in by_name and 'value="小明"' in by_name
    by_number = text(client.get(reverse("retakes:index"), {"q": " 2017002 "}))
    assert "李四" in by_number and "王小明" not in by_number
    assert "q=2017002" in by_number  # the status links keep the search
    nothing = text(client.get(reverse("retakes:index"), {"q": "赵"}))
    assert "没有与“赵”相符的补拍申请" in nothing
