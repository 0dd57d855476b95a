"""Each provider's own SDK (Alibaba, Tencent) and our WeCom client against a local fake endpoint
that checks the request signature: a good send, each kind of refusal, retries that never send
twice, a kill between the provider's accept and the delivery's mark, and a WeCom token refresh."""

import datetime

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.utils import timezone

import notifications.recording as recording
import notifications.sending as sending
from accounts.models import Role
from notifications.models import ChannelPreference, Delivery, DeliveryStatus, SmsTemplate
from notifications.services import Outcome, deliveries_to_requeue, notify, send_delivery
from tests.factories import make_campaign, make_student, make_user
from tests.notifications import fake_providers as fp

pytestmark = pytest.mark.django_db

LEASE = 360


@pytest.fixture
def fake():
    server = fp.FakeProviders().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATIONS_SENDING_LEASE_SECONDS = LEASE
    settings.SMS_SIGN_NAME = "大连某大学"
    settings.SITE_URL = "https://photo.example.edu.cn"
    # Only our key: with REDIS_URL set the cache shares Redis with the broker and other tests.
    cache.delete(f"wecom:token:{fp.WECOM_CORP}:1000002")


@pytest.fixture
def aliyun(settings, fake):
    settings.SMS_BACKEND = "notifications.providers.aliyun.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = fake.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = fp.ALIYUN_KEY
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = fp.ALIYUN_SECRET
    SmsTemplate.objects.create(code="test.plain", provider="aliyun", template_code="SMS_2001", params=["title", "body"])
    return fake


@pytest.fixture
def tencent(settings, fake):
    settings.SMS_BACKEND = "notifications.providers.tencent.TencentSmsBackend"
    settings.TENCENT_SMS_ENDPOINT = fake.url
    settings.TENCENT_SMS_SECRET_ID = fp.TENCENT_ID
    settings.TENCENT_SMS_SECRET_KEY = fp.TENCENT_KEY
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    SmsTemplate.objects.create(code="test.plain", provider="tencent", template_code="100201", params=["title", "body"])
    return fake


@pytest.fixture
def wecom(settings, fake):
    settings.WECOM_BASE_URL = fake.url
    settings.WECOM_CORP_ID = fp.WECOM_CORP
    settings.WECOM_SECRET = fp.WECOM_SECRET
    settings.WECOM_AGENT_ID = 1000002
    return fake


@pytest.fixture(autouse=True)
def _no_eager_send(monkeypatch):
    """Each test sends by hand (with autocommit, notify's on-commit hook would send at once)."""
    monkeypatch.setattr(recording, "enqueue_deliveries", lambda ids: None)


def _sms(phone="13800000001", code="test.plain"):
    campaign = make_campaign()
    student = make_student(campaign, phone=phone, email="")
    notify(
        recipient=student,
        kind="k",
        subject=campaign,
        step="s",
        code=code,
        data={"title": "核对提醒", "body": "请于1月5日前核对"},
        channels=("sms",),
    )
    return Delivery.objects.get(channel="sms")


# --- Alibaba ---------------------------------------------------------------------------------


def test_aliyun_good_send_is_signed_and_carries_the_template_and_out_id(aliyun):
    delivery = _sms()
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.SENT
    assert aliyun.bad_signatures == 0
    [sent] = aliyun.aliyun_sent
    assert sent["PhoneNumbers"] == "13800000001" and sent["SignName"] == "大连某大学"
    assert sent["TemplateCode"] == "SMS_2001"
    assert sent["TemplateParam"] == '{"title": "核对提醒", "body": "请于1月5日前核对"}'
    assert sent["OutId"] == f"pc-delivery-{delivery.pk}"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider, delivery.provider_message_id) == ("sent", "aliyun", sent["BizId"])
    # Sent is sent: a redelivered task does nothing.
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.NOTHING
    assert len(aliyun.aliyun_sent) == 1


def test_aliyun_wrong_secret_is_refused_by_the_signature_check(aliyun, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    delivery = _sms()
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.GAVE_UP
    delivery.refresh_from_db()
    assert aliyun.bad_signatures == 1 and aliyun.aliyun_sent == []
    assert delivery.error_code == "config" and "SignatureDoesNotMatch" in delivery.last_error


@pytest.mark.parametrize(
    ("provider_code", "error_code"),
    [
        ("isv.SMS_TEMPLATE_ILLEGAL", "template"),
        ("isv.MOBILE_NUMBER_ILLEGAL", "invalid_address"),
        ("isv.AMOUNT_NOT_ENOUGH", "balance"),
    ],
)
def test_aliyun_permanent_refusals_are_stored_as_codes_and_not_retried(aliyun, provider_code, error_code):
    delivery = _sms()
    aliyun.fail_next("aliyun", provider_code)
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.GAVE_UP
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.error_code == error_code
    assert provider_code in delivery.last_error
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.NOTHING
    assert deliveries_to_requeue(now=timezone.now() + datetime.timedelta(days=1)) == []
    assert aliyun.calls.count("aliyun.SendSms") == 1 and aliyun.aliyun_sent == []


def test_aliyun_rate_limit_is_retried_later_and_sent_once(aliyun):
    delivery = _sms()
    aliyun.fail_next("aliyun", "isv.BUSINESS_LIMIT_CONTROL")
    now = timezone.now()
    first = send_delivery(delivery_id=delivery.pk, now=now)
    assert first.outcome == Outcome.FAILED and first.retry_in == 60
    delivery.refresh_from_db()
    assert delivery.error_code == "rate_limited"
    assert deliveries_to_requeue(now=now + datetime.timedelta(seconds=61)) == [delivery.pk]
    assert send_delivery(delivery_id=delivery.pk, now=now + datetime.timedelta(seconds=61)).outcome == Outcome.SENT
    assert send_delivery(delivery_id=delivery.pk, now=now + datetime.timedelta(seconds=62)).outcome == Outcome.NOTHING
    assert len(aliyun.aliyun_sent) == 1


class _DatabaseGoesDownAfterTheSend:
    """Every UPDATE fails once the provider call has returned: the "sent" mark never lands,
    exactly as when PostgreSQL restarts between the provider's accept and our write."""

    def __init__(self, monkeypatch):
        self.sent = False
        real = sending._transmit

        def transmit(*args, **kwargs):
            receipt = real(*args, **kwargs)
            self.sent = True
            return receipt

        monkeypatch.setattr(sending, "_transmit", transmit)

    def __call__(self, execute, sql, params, many, context):
        if self.sent and sql.lstrip().upper().startswith("UPDATE"):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def _send_then_lose_the_mark(delivery, monkeypatch, now):
    outage = _DatabaseGoesDownAfterTheSend(monkeypatch)
    with connection.execute_wrapper(outage), pytest.raises(OperationalError):
        send_delivery(delivery_id=delivery.pk, now=now)
    monkeypatch.undo()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING  # the claim stayed; the outcome was not written


# Autocommit, as in production: the claim is committed before the call, the mark is lost.
@pytest.mark.django_db(transaction=True)
def test_aliyun_accept_then_lost_mark_is_reconciled_never_resent(aliyun, monkeypatch):
    delivery = _sms()
    now = timezone.now()
    _send_then_lose_the_mark(delivery, monkeypatch, now)
    assert len(aliyun.aliyun_sent) == 1
    # The worker's retry while the claim is live waits; after the lease the provider is asked.
    assert send_delivery(delivery_id=delivery.pk, now=now + datetime.timedelta(seconds=10)).outcome == Outcome.BUSY
    later = now + datetime.timedelta(seconds=LEASE + 1)
    assert deliveries_to_requeue(now=later) == [delivery.pk]
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.SENT
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at == now
    assert aliyun.calls.count("aliyun.QuerySendDetails") == 1
    assert len(aliyun.aliyun_sent) == 1  # never sent twice


def test_aliyun_claim_lost_before_the_call_is_sent_after_the_provider_says_it_never_came(aliyun):
    delivery = _sms()
    now = timezone.now()
    # A worker claimed it and died before calling Alibaba.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim_token="0" * 32, attempts=1, provider="aliyun"
    )
    later = now + datetime.timedelta(seconds=LEASE + 1)
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.SENT
    assert len(aliyun.aliyun_sent) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


def test_missing_template_is_not_sent_and_not_retried(aliyun):
    SmsTemplate.objects.all().delete()
    delivery = _sms()
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.GAVE_UP
    delivery.refresh_from_db()
    assert delivery.error_code == "no_template" and aliyun.calls == []


def test_unreachable_provider_is_a_transient_failure(aliyun, settings):
    settings.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port
    delivery = _sms()
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.FAILED
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.error_code == "transport"


# --- Tencent ---------------------------------------------------------------------------------


def test_tencent_good_send_is_signed_with_positional_params_and_session_context(tencent):
    delivery = _sms()
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.SENT
    assert tencent.bad_signatures == 0
    [sent] = tencent.tencent_sent
    assert sent["PhoneNumberSet"] == ["+8613800000001"] and sent["SignName"] == "大连某大学"
    assert sent["TemplateId"] == "100201" and sent["SmsSdkAppId"] == "1400000001"
    assert sent["TemplateParamSet"] == ["核对提醒", "请于1月5日前核对"]
    assert sent["SessionContext"] == f"pc-delivery-{delivery.pk}"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_message_id) == ("sent", sent["SerialNo"])


def test_tencent_wrong_key_is_refused_by_the_signature_check(tencent, settings):
    settings.TENCENT_SMS_SECRET_KEY = "not-the-key"
    delivery = _sms()
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.GAVE_UP
    delivery.refresh_from_db()
    assert tencent.bad_signatures == 1 and delivery.error_code == "config"


@pytest.mark.parametrize(
    ("provider_code", "error_code", "outcome"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", "rate_limited", Outcome.FAILED),
        ("FailedOperation.TemplateIncorrectOrUnapproved", "template", Outcome.GAVE_UP),
        ("InvalidParameterValue.IncorrectPhoneNumber", "invalid_address", Outcome.GAVE_UP),
        ("FailedOperation.InsufficientBalanceInSmsPackage", "balance", Outcome.GAVE_UP),
    ],
)
def test_tencent_refusals_are_stored_as_codes(tencent, provider_code, error_code, outcome):
    delivery = _sms()
    tencent.fail_next("tencent", provider_code)
    assert send_delivery(delivery_id=delivery.pk).outcome == outcome
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.error_code == error_code
    # Only the rate limit is tried again, and then sent exactly once.
    later = timezone.now() + datetime.timedelta(hours=1)
    assert deliveries_to_requeue(now=later) == ([delivery.pk] if outcome == Outcome.FAILED else [])
    send_delivery(delivery_id=delivery.pk, now=later)
    assert len(tencent.tencent_sent) == (1 if outcome == Outcome.FAILED else 0)


# Autocommit, as in production: the claim is committed before the call, the mark is lost.
@pytest.mark.django_db(transaction=True)
def test_tencent_accept_then_lost_mark_is_reconciled_from_status_reports(tencent, monkeypatch):
    delivery = _sms()
    now = timezone.now()
    _send_then_lose_the_mark(delivery, monkeypatch, now)
    later = now + datetime.timedelta(seconds=LEASE + 1)
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.SENT
    assert len(tencent.tencent_sent) == 1


def test_tencent_without_a_report_stays_unknown_for_staff(tencent):
    delivery = _sms()
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim_token="0" * 32, attempts=1, provider="tencent"
    )
    later = now + datetime.timedelta(seconds=LEASE + 1)
    # No status report is no proof that it never arrived: it is not sent again.
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.UNKNOWN
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNKNOWN and delivery.checked_at == later
    assert tencent.tencent_sent == []
    # Asked again only after the recheck interval.
    assert deliveries_to_requeue(now=later + datetime.timedelta(seconds=60)) == []
    assert deliveries_to_requeue(now=later + datetime.timedelta(seconds=601)) == [delivery.pk]


# --- WeCom -----------------------------------------------------------------------------------


def _wecom_notify(user, *, code="test.plain"):
    campaign = make_campaign()
    notify(
        recipient=user,
        kind="k",
        subject=campaign,
        step="s",
        code=code,
        data={"title": "逾期名单", "body": "3 人未确认"},
    )
    return Delivery.objects.filter(channel__in=["wecom", "robot"], notification__user=user)


def test_wecom_textcard_links_to_the_page_and_the_token_is_cached(wecom):
    coordinator = make_user(Role.COORDINATOR, username="T2001", email="", phone="")
    [delivery] = _wecom_notify(coordinator)
    assert (delivery.channel, delivery.address) == ("wecom", "T2001")
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.SENT
    [sent] = wecom.wecom_sent
    assert sent["msgtype"] == "textcard" and sent["touser"] == "T2001" and sent["agentid"] == 1000002
    assert sent["textcard"]["title"] == "逾期名单" and sent["textcard"]["description"] == "3 人未确认"
    assert sent["textcard"]["url"] == "https://photo.example.edu.cn/notifications/"
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id == sent["msgid"]
    [second] = _wecom_notify(make_user(Role.COORDINATOR, username="T2002", email="", phone=""))
    assert send_delivery(delivery_id=second.pk).outcome == Outcome.SENT
    assert wecom.tokens_issued == 1  # cached between sends


def test_wecom_expired_token_is_refreshed_and_the_message_sent_once(wecom):
    [delivery] = _wecom_notify(make_user(Role.STAFF, username="S1", email="", phone=""))
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.SENT
    wecom.expire_token()  # WeCom now answers 42001 to the cached token
    [again] = _wecom_notify(make_user(Role.STAFF, username="S2", email="", phone=""))
    assert send_delivery(delivery_id=again.pk).outcome == Outcome.SENT
    assert wecom.tokens_issued == 2
    assert [s["touser"] for s in wecom.wecom_sent] == ["S1", "S2"]


def test_wecom_invaliduser_is_a_failed_delivery(wecom):
    wecom.invalid_users.add("GONE")
    [delivery] = _wecom_notify(make_user(Role.STAFF, username="GONE", email="", phone=""))
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.GAVE_UP
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.error_code == "invalid_address"
    assert "GONE" in delivery.last_error
    assert deliveries_to_requeue(now=timezone.now() + datetime.timedelta(days=1)) == []


def test_wecom_rate_limit_is_retried_once_sent(wecom):
    [delivery] = _wecom_notify(make_user(Role.STAFF, username="S1", email="", phone=""))
    wecom.fail_next("wecom", 45009)
    now = timezone.now()
    assert send_delivery(delivery_id=delivery.pk, now=now).outcome == Outcome.FAILED
    delivery.refresh_from_db()
    assert delivery.error_code == "rate_limited"
    assert send_delivery(delivery_id=delivery.pk, now=now + datetime.timedelta(minutes=2)).outcome == Outcome.SENT
    assert send_delivery(delivery_id=delivery.pk, now=now + datetime.timedelta(minutes=3)).outcome == Outcome.NOTHING
    assert len(wecom.wecom_sent) == 1


# Autocommit, as in production: the claim is committed before the call, the mark is lost.
@pytest.mark.django_db(transaction=True)
def test_wecom_accept_then_lost_mark_stays_unknown_never_resent(wecom, monkeypatch):
    [delivery] = _wecom_notify(make_user(Role.STAFF, username="S1", email="", phone=""))
    now = timezone.now()
    _send_then_lose_the_mark(delivery, monkeypatch, now)
    later = now + datetime.timedelta(seconds=LEASE + 1)
    # WeCom keeps no record to ask: the delivery waits for staff.
    assert send_delivery(delivery_id=delivery.pk, now=later).outcome == Outcome.UNKNOWN
    assert deliveries_to_requeue(now=later + datetime.timedelta(hours=1)) == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNKNOWN
    assert len(wecom.wecom_sent) == 1


def test_group_robot_gets_the_message_when_the_person_names_one(wecom):
    coordinator = make_user(Role.COORDINATOR, username="T9", email="", phone="")
    ChannelPreference.objects.create(user=coordinator, email=False, sms=False, wecom=False, robot_key=fp.ROBOT_KEY)
    [delivery] = _wecom_notify(coordinator)
    assert delivery.channel == "robot"
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.SENT
    [sent] = wecom.robot_sent
    assert sent["msgtype"] == "markdown" and "逾期名单" in sent["markdown"]["content"]
    assert "https://photo.example.edu.cn/notifications/" in sent["markdown"]["content"]


def test_wecom_wrong_secret_is_a_configuration_failure_not_a_send(wecom, settings):
    settings.WECOM_SECRET = "wrong"
    [delivery] = _wecom_notify(make_user(Role.STAFF, username="S1", email="", phone=""))
    assert send_delivery(delivery_id=delivery.pk).outcome == Outcome.GAVE_UP
    delivery.refresh_from_db()
    assert delivery.error_code == "config" and wecom.wecom_sent == []
    assert "wecom./cgi-bin/message/send" not in wecom.calls
