"""The send state machine, with time passed in: retries, leases, redelivery, the sweeper."""

import datetime
import smtplib

import pytest
from django.utils import timezone

from notifications.models import Delivery, DeliveryStatus
from notifications.services import Outcome, deliveries_to_requeue, notify, send_delivery
from notifications.sms import LocmemSmsBackend
from tests.factories import make_campaign, make_student

pytestmark = pytest.mark.django_db


class BrokenSms:
    calls = 0

    def send(self, phone, text):
        BrokenSms.calls += 1
        raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATIONS_SENDING_LEASE_SECONDS = 360
    LocmemSmsBackend.outbox = []
    BrokenSms.calls = 0


@pytest.fixture
def delivery():
    campaign = make_campaign()
    student = make_student(campaign, phone="13800000001")
    notify(
        recipient=student,
        kind="k",
        subject=campaign,
        step="s",
        code="test.plain",
        data={"title": "T", "body": "B"},
        channels=("sms",),
    )
    return Delivery.objects.get()


def test_second_send_of_a_sent_delivery_does_nothing(delivery):
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.SENT
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.NOTHING
    assert LocmemSmsBackend.outbox == [("13800000001", "【教务处】T：B")]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_failure_is_recorded_and_retried_with_backoff_then_given_up(delivery, settings):
    settings.SMS_BACKEND = "tests.notifications.test_delivery.BrokenSms"
    now = timezone.now()
    first = send_delivery(delivery_id=delivery.pk, now=now)
    assert first.outcome == Outcome.FAILED and first.retry_in == 60
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error_code == "transport" and delivery.last_error == "ConnectionError: gateway down"
    assert delivery.error_display == "发送失败（ConnectionError: gateway down）"
    assert delivery.next_attempt_at == now + datetime.timedelta(seconds=60)
    assert send_delivery(delivery_id=delivery.pk, now=now).retry_in == 120
    assert send_delivery(delivery_id=delivery.pk, now=now).outcome == Outcome.GAVE_UP
    assert send_delivery(delivery_id=delivery.pk, now=now).outcome == Outcome.NOTHING
    assert BrokenSms.calls == 3
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.status == DeliveryStatus.FAILED


def test_a_live_claim_is_not_taken_a_dead_one_is_never_resent_blindly(delivery):
    now = timezone.now()
    # A worker claimed it and died: before the call, during it, or after the provider accepted.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim_token="0" * 32, attempts=1, provider="locmem"
    )
    busy = send_delivery(delivery_id=delivery.pk, now=now + datetime.timedelta(seconds=10))
    assert busy.outcome == Outcome.BUSY and 340 < busy.retry_in <= 351
    later = now + datetime.timedelta(seconds=361)
    # The locmem backend keeps no record to ask: the delivery waits for staff, it is not sent.
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.UNKNOWN
    assert send_delivery(delivery_id=delivery.pk, now=later + datetime.timedelta(hours=1)).outcome == Outcome.UNKNOWN
    assert deliveries_to_requeue(now=later + datetime.timedelta(hours=1)) == []
    assert LocmemSmsBackend.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNKNOWN and delivery.error_code == "unknown_outcome"
    assert delivery.get_status_display() == "结果未知"


def test_sweeper_finds_lost_and_retry_due_deliveries_and_declares_dead_claims_unknown(delivery, settings):
    now = timezone.now()
    assert deliveries_to_requeue(now=now) == []  # just created: its task is presumably queued
    assert deliveries_to_requeue(now=now + datetime.timedelta(hours=2)) == [delivery.pk]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        attempts=1,
        error_code="transport",
        next_attempt_at=now + datetime.timedelta(minutes=1),
    )
    assert deliveries_to_requeue(now=now) == []
    assert deliveries_to_requeue(now=now + datetime.timedelta(minutes=2)) == [delivery.pk]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=3, claimed_at=now, claim_token="0" * 32, provider="locmem"
    )
    assert deliveries_to_requeue(now=now + datetime.timedelta(hours=1)) == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNKNOWN and delivery.error_code == "unknown_outcome"
    assert delivery.error_display == "发送结果未知"


def test_file_backend_answers_the_lookup_by_key(delivery, settings, tmp_path):
    """The development file backend keeps each message's key, so a dead claim is settled like a
    provider's: sent if the key is in the file, sent now if it is not."""
    settings.SMS_BACKEND = "notifications.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    now = timezone.now()
    assert send_delivery(delivery_id=delivery.pk, now=now).outcome == Outcome.SENT
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim_token="0" * 32, provider="file"
    )
    later = now + datetime.timedelta(seconds=361)
    assert deliveries_to_requeue(now=later) == [delivery.pk]
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.SENT
    assert len((tmp_path / "sms.log").read_text().splitlines()) == 1


class FailingMail:
    """An e-mail backend that fails the way SMTP does."""

    error: Exception = OSError()

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise FailingMail.error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (smtplib.SMTPRecipientsRefused({"x@example.edu.cn": (550, b"no such user")}), "failed", "invalid_address"),
        (smtplib.SMTPDataError(451, b"try again later"), "failed", "transport"),
        (smtplib.SMTPDataError(554, b"rejected"), "failed", "provider"),
        (ConnectionRefusedError("refused"), "failed", "transport"),
        # The connection broke after the message may have been handed over: not sent again blindly.
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "unknown", "unknown_outcome"),
        (TimeoutError("timed out"), "unknown", "unknown_outcome"),
    ],
)
def test_email_errors_are_refusals_or_unknown_outcomes(settings, error, status, code):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.FailingMail"
    FailingMail.error = error
    campaign = make_campaign()
    student = make_student(campaign, email="x@example.edu.cn", phone="")
    notify(recipient=student, kind="k", subject=campaign, step="s", code="test.plain", data={"title": "T"})
    delivery = Delivery.objects.get()
    send_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (status, code)
