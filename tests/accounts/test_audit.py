import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.audit import CODE_PATTERN, action_choices, describe, record_event
from accounts.models import AppendOnlyError, AuditEvent, Role
from capture_day.services import check_in, undo_check_in
from core.formatting import date_short
from sessions_app.models import Student
from sessions_app.services import override_student_slot
from tests.factories import CAPTURE_DAY, make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_changed_or_deleted():
    event = record_event(actor=None, action="roster.import", data={"file": "a.xlsx", "rows": 1})
    event.data = {}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(data={})
    assert AuditEvent.objects.get().data == {"file": "a.xlsx", "rows": 1}


def test_only_registered_codes_and_plain_json_are_stored():
    with pytest.raises(ValueError, match="unregistered"):
        record_event(actor=None, action="采集")
    with pytest.raises(ValueError, match="unregistered"):
        record_event(actor=None, action="capture_undo")
    # A lazy translation in the payload was once a 500 in the admin; it is refused where it is written.
    with pytest.raises(TypeError):
        record_event(actor=None, action="capture.undo", data={"reason": gettext_lazy("刷错了人")})
    assert not AuditEvent.objects.exists()
    assert all(CODE_PATTERN.match(code) for code, _ in action_choices())


@pytest.fixture
def day():
    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    home = make_slot(campaign, start="09:50", end="11:00")
    make_audience(home, college=college)
    other = make_slot(campaign, group="金石滩第二组", start="08:30", end="09:50")
    student = make_student(campaign, college, name="张三", student_no="20170001")
    from sessions_app.services import refresh_slot_assignments

    refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    staff = make_user(Role.STAFF, is_staff=True, is_superuser=True, display_name="王老师")
    return campaign, home, other, student, staff


def _day_events(day):
    campaign, home, other, student, staff = day
    override_student_slot(student=student, slot=other, actor=staff, reason="与考试冲突")
    override_student_slot(student=Student.objects.get(pk=student.pk), slot=None, actor=staff)
    result = check_in(campaign=campaign, slot=home, identifier=student.student_no, operator=staff)
    undo_check_in(capture=result.capture, actor=staff, reason="刷错了人")
    return describe(AuditEvent.objects.order_by("id"))


def test_rows_store_codes_and_data_and_render_chinese(day):
    events = _day_events(day)
    _, home, other, student, _ = day
    assert [e.action for e in events] == ["slot.override", "slot.override_clear", "capture.record", "capture.undo"]
    assert events[0].content_type == ContentType.objects.get_for_model(Student)
    assert events[0].object_id == str(student.pk)
    assert events[0].data == {
        "student_id": student.pk,
        "from_slot": home.pk,
        "to_slot": other.pk,
        "reason": "与考试冲突",
    }
    # A slot is named with its day as date_short writes it (with the year when not this year's).
    d = date_short(CAPTURE_DAY)
    assert [(e.action_label, e.summary) for e in events] == [
        (
            "调整时段",
            f"张三（20170001） 的时段：金石滩第一组 {d} 09:50-11:00 → 金石滩第二组 {d} 08:30-09:50，原因：与考试冲突",
        ),
        (
            "取消时段调整",
            f"张三（20170001） 恢复按规则分配的时段：金石滩第二组 {d} 08:30-09:50 → 金石滩第一组 {d} 09:50-11:00",
        ),
        ("采集", f"张三（20170001） 在 金石滩第一组 {d} 09:50-11:00 采集"),
        ("撤销采集", "撤销 张三（20170001） 的采集，原因：刷错了人"),
    ]


def test_rows_render_english_for_an_english_reader(day):
    _day_events(day)
    with translation.override("en"):
        rendered = [(e.action_label, e.summary) for e in describe(AuditEvent.objects.order_by("id"))]
        d = date_short(CAPTURE_DAY)
    first, second = f"金石滩第一组 {d} 09:50-11:00", f"金石滩第二组 {d} 08:30-09:50"
    assert rendered == [
        ("Slot override", f"张三 (20170001): slot {first} → {second}, reason: 与考试冲突"),
        ("Slot override cleared", f"张三 (20170001) back to the slot the rules give: {second} → {first}"),
        ("Capture", f"张三 (20170001) captured at {first}"),
        ("Capture undone", "Capture of 张三 (20170001) undone, reason: 刷错了人"),
    ]
    # Reading them in English changed nothing stored: the same rows still read in Chinese.
    assert describe(AuditEvent.objects.order_by("id"))[3].summary == "撤销 张三（20170001） 的采集，原因：刷错了人"


def test_admin_lists_readable_actions_and_summaries(client, day):
    _day_events(day)
    staff = day[4]
    client.force_login(staff)
    page = client.get(reverse("admin:accounts_auditevent_changelist")).content.decode()
    assert "撤销采集" in page and "撤销 张三（20170001） 的采集，原因：刷错了人" in page
    assert f"金石滩第二组 {date_short(CAPTURE_DAY)} 08:30-09:50" in page
    table = page.split('id="result_list"')[1].split("</table>")[0]
    for raw in ("capture.undo", "capture.record", "slot.override", "None", "→ 1", "#"):
        assert raw not in table
    filtered = client.get(reverse("admin:accounts_auditevent_changelist"), {"action": "capture.undo"})
    assert filtered.content.decode().count('class="field-action_name"') == 1
    event = AuditEvent.objects.get(action="capture.undo")
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    delete = client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_admin_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, rows):
    campaign = make_campaign()
    college = make_college()
    slot = make_slot(campaign)
    make_audience(slot, college=college)
    staff = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    for _ in range(rows):
        student = make_student(campaign, college)
        check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:accounts_auditevent_changelist"))
    assert page.content.decode().count('class="field-summary_text"') == rows


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_only_academic_staff_enter_the_admin(client, role):
    user = make_user(role, is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
