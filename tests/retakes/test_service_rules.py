"""Each retake service that acts for a person refuses, with a coded RetakeError and nothing written,
what that person may not do, whoever calls it: a student acts on their own request only, a
counselor on their own students', staff on any; only staff review; students log no paper photos."""

import datetime
from pathlib import Path

import pytest

from accounts.models import AuditEvent, Role
from retakes import services
from retakes.models import Channel, Reason, RetakeEvent, RetakePhoto, RetakeRequest, Status
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _file(student, actor, channel=Channel.CENTRAL):
    return services.create_request(
        student=student,
        actor=actor,
        reason=Reason.MISSED_SHOOT,
        channel=channel,
        planned_date=datetime.date(2021, 3, 20),
    )


def _written() -> tuple:
    return (
        RetakeRequest.objects.count(),
        RetakeEvent.objects.count(),
        RetakePhoto.objects.count(),
        AuditEvent.objects.filter(action__startswith="retake.").count(),
        list(RetakeRequest.objects.values_list("status", "paper_photo_received_at")),
    )


def _refused(code, call, **kwargs):
    before = _written()
    with pytest.raises(services.RetakeError) as refused:
        call(**kwargs)
    assert refused.value.code == code
    assert _written() == before, "a refusal wrote something"
    return refused.value


@pytest.fixture
def filed(student, student_user):
    return _file(student, student_user)


@pytest.fixture
def checked(filed, staff, photos, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_photo(request=filed, data=photos["pass"], actor=staff)
    filed.refresh_from_db()
    assert filed.status == Status.CHECKED
    return filed


# --- filing, cancelling, photos: the student, their counselor, staff -------------------


def test_a_student_files_only_for_themselves(student, other_student):
    error = _refused("not_own_request", _file, student=student, actor=other_student.user)
    assert "本人" in error.message


def test_a_counselor_files_only_for_their_students(student, other_counselor):
    error = _refused("out_of_scope", _file, student=student, actor=other_counselor)
    assert student.name in error.message


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OPERATOR])
def test_no_other_role_files_or_cancels(student, filed, role):
    actor = make_user(role)
    if role == Role.COORDINATOR:
        actor.colleges.add(student.college)  # retakes are the counselor's business, not the college's
    _refused("role_forbidden", _file, student=student, actor=actor)
    _refused("role_forbidden", services.cancel_request, request=filed, actor=actor, reason="代撤")


def test_another_student_cannot_cancel_or_submit_a_photo(filed, other_student, photos):
    _refused("not_own_request", services.cancel_request, request=filed, actor=other_student.user)
    _refused("not_own_request", services.submit_photo, request=filed, data=photos["pass"], actor=other_student.user)


def test_another_counselor_cannot_cancel_or_submit_a_photo(filed, other_counselor, photos, settings):
    _refused("out_of_scope", services.cancel_request, request=filed, actor=other_counselor, reason="撤")
    _refused("out_of_scope", services.submit_photo, request=filed, data=photos["pass"], actor=other_counselor)
    root = Path(settings.MEDIA_ROOT) / "retakes"
    assert not root.exists() or not any(root.iterdir()), "a refused photo left a file"


def test_the_student_and_their_counselor_act(filed, student_user, counselor, photos):
    photo = services.submit_photo(request=filed, data=photos["pass"], actor=counselor)
    assert photo.uploaded_by == counselor
    assert services.cancel_request(request=filed, actor=student_user).status == Status.CANCELLED


# --- review: staff only -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["counselor", "student_user"])
def test_only_staff_review(checked, who, request):
    actor = request.getfixturevalue(who)
    _refused("staff_only", services.review_photo, request=checked, actor=actor, accept=True)
    _refused("staff_only", services.review_photo, request=checked, actor=actor, accept=False, reason="退回")
    checked.refresh_from_db()
    assert checked.status == Status.CHECKED


# --- paper photos: the counselor of the student, or staff ----------------------------------


@pytest.fixture
def paper(student, student_user):
    return _file(student, student_user, channel=Channel.LOCAL_XINHUA)


def test_a_student_does_not_log_their_own_paper_photo(paper, student_user):
    _refused("role_forbidden", services.record_paper_photo, request=paper, actor=student_user)


def test_another_counselor_neither_logs_nor_takes_back_a_paper_photo(paper, counselor, other_counselor):
    _refused("out_of_scope", services.record_paper_photo, request=paper, actor=other_counselor)
    services.record_paper_photo(request=paper, actor=counselor)
    _refused("out_of_scope", services.undo_paper_photo, request=paper, actor=other_counselor, reason="错")
    paper.refresh_from_db()
    assert paper.paper_photo_received_by == counselor


def test_a_student_cannot_take_back_a_paper_photo(paper, counselor, student_user):
    services.record_paper_photo(request=paper, actor=counselor)
    _refused("role_forbidden", services.undo_paper_photo, request=paper, actor=student_user)


def test_a_counselor_takes_back_only_what_they_logged(paper, staff, counselor):
    services.record_paper_photo(request=paper, actor=staff)
    _refused("paper_not_yours", services.undo_paper_photo, request=paper, actor=counselor)
