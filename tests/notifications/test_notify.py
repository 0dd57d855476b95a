import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.models import Role
from notifications.models import Delivery, Notification
from notifications.services import notify
from notifications.sms import LocmemSmsBackend
from tests.factories import make_campaign, make_student, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _backends(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []


def _notify(recipient, subject, step="d-7", **kwargs):
    return notify(
        recipient=recipient,
        kind="verification_due",
        subject=subject,
        step=step,
        code="test.plain",
        data={"title": "请核对", "body": "正文"},
        **kwargs,
    )


def test_student_gets_inbox_email_and_sms_once(django_capture_on_commit_callbacks):
    campaign = make_campaign()
    student = make_student(campaign, email="s@example.edu.cn", phone="13800000001")
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(student, campaign) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(student, campaign) is False
    assert Notification.objects.filter(student=student).count() == 1
    assert [m.to for m in mail.outbox] == [["s@example.edu.cn"]]
    assert LocmemSmsBackend.outbox == [("13800000001", "【教务处】请核对：正文")]
    assert set(Delivery.objects.values_list("channel", "status")) == {("email", "sent"), ("sms", "sent")}


def test_another_step_is_another_message(django_capture_on_commit_callbacks):
    campaign = make_campaign()
    student = make_student(campaign, phone="13800000001")
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(student, campaign, step="d-7")
        assert _notify(student, campaign, step="d-3")
    assert len(LocmemSmsBackend.outbox) == 2


def test_person_without_contacts_still_gets_inbox_message(django_capture_on_commit_callbacks):
    campaign = make_campaign()
    student = make_student(campaign, email="", phone="")
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(student, campaign)
    assert Notification.objects.get(student=student).in_inbox
    assert not Delivery.objects.exists()
    assert mail.outbox == [] and LocmemSmsBackend.outbox == []


def test_user_recipient_and_channel_choice(django_capture_on_commit_callbacks):
    campaign = make_campaign()
    user = make_user(Role.COORDINATOR, email="c@example.edu.cn", phone="13900000000")
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(user, campaign, channels=("inbox", "email"))
    assert [m.to for m in mail.outbox] == [["c@example.edu.cn"]]
    assert LocmemSmsBackend.outbox == []


def test_nothing_sent_when_the_caller_rolls_back(django_capture_on_commit_callbacks):
    campaign = make_campaign()
    student = make_student(campaign, phone="13800000001")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _notify(student, campaign)
                raise RuntimeError
    assert not Notification.objects.exists()
    assert LocmemSmsBackend.outbox == []


def test_database_refuses_a_duplicate_key():
    campaign = make_campaign()
    student = make_student(campaign)
    _notify(student, campaign)
    row = Notification.objects.get()
    row.pk = None
    row.batch = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
