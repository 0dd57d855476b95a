import datetime
import json
import re
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import AuditEvent
from notifications.messages import render
from notifications.models import Notification
from retakes import instructions, reminders, services
from retakes.models import Channel, CheckStatus, Reason, RetakeEvent, RetakePhoto, RetakeRequest, Review, Status
from tests.factories import make_student

from .conftest import DEADLINE

pytestmark = pytest.mark.django_db


def file_request(student, actor, channel=Channel.CENTRAL, reason=Reason.MISSED_SHOOT, **kwargs):
    return services.create_request(
        student=student, actor=actor, reason=reason, channel=channel, planned_date=datetime.date(2021, 3, 20), **kwargs
    )


def submit(capture, request, data, actor, note=""):
    """Submit as a view would: the check job runs when the transaction commits (eager Celery)."""
    with capture(execute=True):
        photo = services.submit_photo(request=request, data=data, actor=actor, note=note)
    photo.refresh_from_db()
    return photo


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "retakes"
    return sorted(root.iterdir()) if root.exists() else []


# --- filing ---------------------------------------------------------------------------


def test_filing_records_the_request_its_history_and_the_audit_trail(student, student_user):
    request = file_request(student, student_user, note="住院至三月")
    assert request.status == Status.REQUESTED
    assert request.deadline == DEADLINE
    assert [(e.from_status, e.to_status) for e in request.events.all()] == [("", Status.REQUESTED)]
    assert AuditEvent.objects.filter(action="retake.request", object_id=str(request.pk)).exists()


def test_one_open_request_per_student(student, student_user, counselor):
    first = file_request(student, student_user)
    with pytest.raises(services.RetakeError, match="已有一个未完成的补拍申请"):
        file_request(student, counselor, channel=Channel.ONLINE)
    services.cancel_request(request=first, actor=student_user, reason="改为线上采集")
    second = file_request(student, counselor, channel=Channel.ONLINE)
    assert second.status == Status.REQUESTED


def test_the_database_refuses_a_second_open_request(student, student_user):
    file_request(student, student_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        RetakeRequest.objects.create(
            campaign=student.campaign,
            student=student,
            reason=Reason.ABROAD,
            channel=Channel.PROXY,
            created_by=student_user,
        )


def test_other_reason_needs_an_explanation(student, student_user):
    with pytest.raises(services.RetakeError, match="请说明具体原因"):
        file_request(student, student_user, reason=Reason.OTHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        RetakeRequest.objects.create(
            campaign=student.campaign,
            student=student,
            reason=Reason.OTHER,
            channel=Channel.PROXY,
            created_by=student_user,
        )
    explained = file_request(student, student_user, reason=Reason.OTHER, reason_detail="参加支教")
    assert explained.reason_detail == "参加支教"


def test_instructions_use_the_campaigns_address_and_channel_name(campaign):
    central = instructions.channel_instructions(channel=Channel.CENTRAL, campaign=campaign)
    assert any("沈阳市浑南区浑南二路1号" in step for step in central.steps)
    online = instructions.channel_instructions(channel=Channel.ONLINE, campaign=campaign)
    assert any("“新华社辽宁图像采集中心”" in step for step in online.steps)
    assert any("纸质照片" in item for item in online.hand_in)
    proxy = instructions.channel_instructions(channel=Channel.PROXY, campaign=campaign)
    assert any("480" in step and "640" in step for step in proxy.steps)
    campaign.retake_centre_address = ""
    central = instructions.channel_instructions(channel=Channel.CENTRAL, campaign=campaign)
    assert any("待教务处公布" in step for step in central.steps)


# --- photos and the check -------------------------------------------------------------


def test_a_good_photo_is_stored_under_a_random_name_and_checked(
    student, student_user, photos, settings, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    photo = submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    request.refresh_from_db()
    assert photo.check_status == CheckStatus.PASSED and photo.findings == []
    assert request.status == Status.CHECKED and request.current_photo_id == photo.pk
    (stored,) = stored_files(settings)
    assert stored.read_bytes() == photos["pass"]
    assert len(stored.stem) == 32 and stored.suffix == ".jpg"
    assert photo.file.name == f"retakes/{stored.name}"
    assert photo.size == len(photos["pass"]) and len(photo.sha256) == 64
    assert [e.to_status for e in request.events.all()] == [Status.REQUESTED, Status.PHOTO_SUBMITTED, Status.CHECKED]
    event = request.events.last()
    assert event.actor is None and event.note == "" and event.note_code == "check_passed"
    assert event.note_display == "自动检查通过"


@pytest.mark.parametrize("name", ["empty", "text_as_jpg", "truncated", "bomb", "animated_gif"])
def test_nothing_is_stored_for_a_file_that_is_not_an_image(student, student_user, photos, settings, name):
    request = file_request(student, student_user)
    with pytest.raises(services.PhotoRejected) as excinfo:
        services.submit_photo(request=request, data=photos[name], actor=student_user)
    assert excinfo.value.findings
    assert stored_files(settings) == []
    assert not RetakePhoto.objects.exists()
    request.refresh_from_db()
    assert request.status == Status.REQUESTED


def test_a_failing_photo_is_stored_with_its_findings_and_note(
    student, student_user, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    photo = submit(
        django_capture_on_commit_callbacks, request, photos["grey_background"], student_user, note="新华社给的就是灰底"
    )
    assert photo.check_status == CheckStatus.FAILED
    assert [f["code"] for f in photo.findings] == ["background_color"]
    # Stored as figures; the sentence is built when shown.
    assert photo.findings[0]["measured"] == [128, 128, 128] and "message" not in photo.findings[0]
    assert photo.finding_list[0].message.startswith("背景是灰色，应为蓝色")
    assert photo.note == "新华社给的就是灰底"
    request.refresh_from_db()
    assert request.status == Status.CHECKED
    event = request.events.last()
    assert event.note_code == "check_failed" and event.note_data["findings"] >= 1
    assert event.note_display == f"自动检查未通过：{event.note_data['findings']} 项问题"


def test_the_campaign_decides_which_backdrop_colours_pass(
    student, student_user, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    photo = submit(django_capture_on_commit_callbacks, request, photos["white_background"], student_user)
    assert [f["code"] for f in photo.findings] == ["background_color"]
    assert photo.finding_list[0].message.startswith("背景是白色，应为蓝色")

    student.campaign.photo_backgrounds = ["blue", "white"]
    student.campaign.save(update_fields=["photo_backgrounds"])
    photo = submit(django_capture_on_commit_callbacks, request, photos["white_background"], student_user)
    assert photo.check_status == CheckStatus.PASSED and photo.findings == []


def test_the_check_job_only_checks_pending_photos(student, student_user, photos, django_capture_on_commit_callbacks):
    request = file_request(student, student_user)
    photo = submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    events = RetakeEvent.objects.count()
    checked_at = photo.checked_at
    again = services.run_photo_check(photo_id=photo.pk)
    assert again is None
    photo.refresh_from_db()
    assert photo.checked_at == checked_at and RetakeEvent.objects.count() == events


def test_a_replaced_photo_does_not_move_the_request(student, student_user, photos):
    request = file_request(student, student_user)
    # Both submitted before any check job runs (as with a busy worker).
    first = services.submit_photo(request=request, data=photos["grey_background"], actor=student_user)
    second = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    services.run_photo_check(photo_id=first.pk)
    request.refresh_from_db()
    assert request.status == Status.PHOTO_SUBMITTED and request.current_photo_id == second.pk
    services.run_photo_check(photo_id=second.pk)
    request.refresh_from_db()
    assert request.status == Status.CHECKED


def test_a_missing_file_ends_as_a_check_error(student, student_user, photos):
    request = file_request(student, student_user)
    photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    photo.file.delete(save=False)
    services.run_photo_check(photo_id=photo.pk)
    photo.refresh_from_db()
    request.refresh_from_db()
    assert photo.check_status == CheckStatus.ERROR
    assert request.status == Status.CHECKED


# --- review, paper photo, done --------------------------------------------------------


def test_accepting_a_failed_photo_needs_a_reason(
    student, student_user, staff, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    submit(django_capture_on_commit_callbacks, request, photos["face_too_small"], student_user)
    with pytest.raises(services.RetakeError, match="请填写理由"):
        services.review_photo(request=request, actor=staff, accept=True)
    request = services.review_photo(request=request, actor=staff, accept=True, reason="新华社已确认可用")
    # The central retake needs no paper photo: accepted means done.
    assert request.status == Status.DONE
    photo = request.current_photo
    photo.refresh_from_db()
    assert photo.review == Review.ACCEPTED and photo.review_reason == "新华社已确认可用"
    assert [e.to_status for e in request.events.all()][-2:] == [Status.ACCEPTED, Status.DONE]


def test_the_database_refuses_an_accepted_failed_photo_without_reason(
    student, student_user, staff, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    photo = submit(django_capture_on_commit_callbacks, request, photos["face_too_small"], student_user)
    photo.review, photo.reviewed_by = Review.ACCEPTED, staff
    photo.reviewed_at = photo.uploaded_at
    with pytest.raises(IntegrityError), transaction.atomic():
        photo.save()


def test_returned_photo_needs_a_reason_and_a_new_photo(
    student, student_user, staff, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    submit(django_capture_on_commit_callbacks, request, photos["off_centre"], student_user)
    with pytest.raises(services.RetakeError, match="写明原因"):
        services.review_photo(request=request, actor=staff, accept=False)
    request = services.review_photo(request=request, actor=staff, accept=False, reason="人像偏右，请重新裁剪")
    assert request.status == Status.RETURNED
    submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    request.refresh_from_db()
    assert request.status == Status.CHECKED and request.photos.count() == 2


def test_paper_photo_channels_are_done_only_when_the_paper_photo_is_in(
    student, student_user, counselor, staff, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user, channel=Channel.LOCAL_XINHUA, reason=Reason.INTERNSHIP)
    submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    request = services.review_photo(request=request, actor=staff, accept=True)
    assert request.status == Status.ACCEPTED
    request = services.record_paper_photo(request=request, actor=counselor)
    assert request.status == Status.DONE
    assert request.paper_photo_received_by == counselor
    with pytest.raises(services.RetakeError, match="登记过"):
        services.record_paper_photo(request=request, actor=counselor)


def test_paper_photo_received_before_acceptance_finishes_on_acceptance(
    student, student_user, counselor, staff, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user, channel=Channel.ONLINE)
    services.record_paper_photo(request=request, actor=counselor)
    submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    assert services.review_photo(request=request, actor=staff, accept=True).status == Status.DONE


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.REQUESTED, Status.CHECKED, False),
        (Status.REQUESTED, Status.ACCEPTED, False),
        (Status.CHECKED, Status.ACCEPTED, True),
        (Status.RETURNED, Status.PHOTO_SUBMITTED, True),
        (Status.ACCEPTED, Status.PHOTO_SUBMITTED, False),
        (Status.DONE, Status.CANCELLED, False),
        (Status.CANCELLED, Status.PHOTO_SUBMITTED, False),
    ],
)
def test_transition_table(current, target, allowed):
    assert services.can_transition(current, target) is allowed


def test_review_before_a_photo_is_refused(student, student_user, staff):
    request = file_request(student, student_user)
    with pytest.raises(services.RetakeError, match="待审核"):
        services.review_photo(request=request, actor=staff, accept=True)


def test_a_done_request_takes_no_more_photos(student, student_user, staff, photos, django_capture_on_commit_callbacks):
    request = file_request(student, student_user)
    submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    request = services.review_photo(request=request, actor=staff, accept=True)
    with pytest.raises(services.RetakeError, match="不能再提交照片"):
        services.submit_photo(request=request, data=photos["pass"], actor=student_user)


# --- reminders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "step"),
    [(10, None), (8, None), (7, "d-7"), (5, "d-7"), (3, "d-3"), (2, "d-3"), (1, "d-1"), (0, "d-1"), (-1, None)],
)
def test_reminder_step_by_days_left(days_left, step):
    today = DEADLINE - datetime.timedelta(days=days_left)
    assert reminders.reminder_step(deadline=DEADLINE, today=today) == step


def test_reminders_go_to_the_student_and_counselor_once_per_step(
    student, student_user, counselor, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=10)) == 0
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=6)) == 2
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=5)) == 0
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=3)) == 2
    notes = Notification.objects.filter(kind="retake_due", subject_id=request.pk)
    assert sorted(notes.filter(student=student).values_list("step", flat=True)) == ["d-3", "d-7"]
    assert sorted(notes.filter(user=counselor).values_list("step", flat=True)) == ["d-3", "d-7"]
    message = notes.filter(student=student, step="d-3").get()
    assert "2021-03-31" in message.title and "还剩 3 天" in message.title
    assert "参加省集中补拍" in message.body
    # Stored as codes: the status and channel are shown in the reader's language.
    assert message.code == "retake.due" and message.data["channel"] == request.channel
    assert "参加" not in json.dumps(message.data, ensure_ascii=False)
    with translation.override("en"):
        title, body = render(message.code, message.data)
    assert title == "Retake deadline 2021-03-31, 3 days left" and not re.search(r"[\u4e00-\u9fff]", body)
    told = notes.filter(user=counselor, step="d-3").get()
    assert told.code == "retake.due_counselor" and told.body.startswith(f"{student.name}（{student.student_no}）：")


def test_no_reminder_when_the_next_move_is_not_the_students(
    student, student_user, other_student, staff, photos, django_capture_on_commit_callbacks
):
    waiting_for_review = file_request(student, student_user)
    submit(django_capture_on_commit_callbacks, waiting_for_review, photos["pass"], student_user)
    done = file_request(other_student, staff)
    submit(django_capture_on_commit_callbacks, done, photos["pass"], staff)
    services.review_photo(request=done, actor=staff, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=1)) == 0


def test_a_closed_campaign_sends_no_retake_reminder(student, student_user, django_capture_on_commit_callbacks):
    request = file_request(student, student_user)
    request.campaign.phase_override = "closed"
    request.campaign.save(update_fields=["phase_override"])
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=3)) == 0
    assert not Notification.objects.filter(kind="retake_due").exists()


def test_accepted_but_paper_photo_missing_is_reminded(
    student, student_user, staff, photos, django_capture_on_commit_callbacks
):
    request = file_request(student, student_user, channel=Channel.ONLINE)
    submit(django_capture_on_commit_callbacks, request, photos["pass"], student_user)
    services.review_photo(request=request, actor=staff, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_retake_reminders(today=DEADLINE - datetime.timedelta(days=1)) == 2
    assert "纸质照片" in Notification.objects.filter(student=student, kind="retake_due").get().body


def test_reminder_queries_do_not_grow_with_requests(
    campaign, college, counselor, staff, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    def run(n, today):
        for _ in range(n):
            file_request(make_student(campaign, college, counselor=counselor), staff)
        with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(8):
            return reminders.send_retake_reminders(today=today)

    assert run(3, DEADLINE - datetime.timedelta(days=7)) == 6
    assert run(30, DEADLINE - datetime.timedelta(days=3)) == 66
