"""Channel preferences (role defaults, a person's own choice), the staff page of message kinds
without an SMS template and of unknown outcomes, and staff settling an unknown outcome."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Role
from notifications.models import ChannelPreference, Delivery, DeliveryStatus, SmsTemplate
from notifications.services import DeliveryResolutionError, notify, resolve_unknown_delivery
from notifications.sms import LocmemSmsBackend
from tests.factories import make_campaign, make_student, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _backends(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    settings.WECOM_CORP_ID = "wwcorp"
    LocmemSmsBackend.outbox = []


def _channels_of(recipient):
    campaign = make_campaign()
    notify(recipient=recipient, kind="k", subject=campaign, step="s", code="test.plain", data={"title": "T"})
    return sorted(Delivery.objects.values_list("channel", "address"))


def test_students_get_email_and_sms_by_default():
    student = make_student(make_campaign(), email="s@example.edu.cn", phone="13800000001")
    assert _channels_of(student) == [("email", "s@example.edu.cn"), ("sms", "13800000001")]


def test_staff_get_email_and_wecom_by_default_not_sms():
    staff = make_user(Role.STAFF, username="J0001", email="j@example.edu.cn", phone="13900000000")
    assert _channels_of(staff) == [("email", "j@example.edu.cn"), ("wecom", "J0001")]


def test_operators_get_wecom_and_sms_by_default():
    operator = make_user(Role.OPERATOR, username="OP1", email="op@example.edu.cn", phone="13900000001")
    assert _channels_of(operator) == [("sms", "13900000001"), ("wecom", "OP1")]


def test_wecom_only_when_the_school_configured_it(settings):
    settings.WECOM_CORP_ID = ""
    staff = make_user(Role.STAFF, username="J0001", email="j@example.edu.cn", phone="")
    assert _channels_of(staff) == [("email", "j@example.edu.cn")]


def test_a_person_s_own_choice_wins(client):
    counselor = make_user(Role.COUNSELOR, username="C1", email="c@example.edu.cn", phone="13900000002")
    client.force_login(counselor)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    # The role's defaults are shown ticked before anything is saved.
    assert page.context["form"].initial == {
        "email": True,
        "sms": True,
        "wecom": True,
        "wecom_userid": "",
        "robot_key": "",
    }
    answer = client.post("/notifications/preferences/", {"sms": "on", "wecom": "on", "wecom_userid": "wx-c1"})
    assert answer.status_code == 302
    saved = ChannelPreference.objects.get(user=counselor)
    assert (saved.email, saved.sms, saved.wecom, saved.wecom_userid) == (False, True, True, "wx-c1")
    assert _channels_of(counselor) == [("sms", "13900000002"), ("wecom", "wx-c1")]


def test_staff_see_which_kinds_lack_an_sms_template(client, settings):
    settings.SMS_BACKEND = "notifications.providers.aliyun.AliyunSmsBackend"
    SmsTemplate.objects.create(code="verification.due", provider="aliyun", template_code="SMS_1", params=["due"])
    client.force_login(make_user(Role.STAFF))
    page = client.get("/notifications/deliveries/")
    text = page.content.decode()
    assert page.status_code == 200
    missing = page.context["missing"]
    assert "verification.due" not in missing and "verification.overdue" in missing
    assert "<code>verification.overdue</code>" in text
    assert [code for code, _ in page.context["covered"]] == ["verification.due"]
    assert not any(code.startswith("test.") for code in missing)


def test_only_staff_open_the_delivery_page(client):
    client.force_login(make_user(Role.COORDINATOR))
    assert client.get("/notifications/deliveries/").status_code in (302, 403)


def _unknown_delivery():
    student = make_student(make_campaign(), phone="13800000001", email="")
    notify(recipient=student, kind="k", subject=student.campaign, step="s", code="test.plain", data={"title": "T"})
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.UNKNOWN, claimed_at=timezone.now() - datetime.timedelta(hours=1), attempts=5
    )
    return delivery


def test_staff_settle_an_unknown_outcome_from_the_page(client, django_capture_on_commit_callbacks):
    delivery = _unknown_delivery()
    staff = make_user(Role.STAFF)
    client.force_login(staff)
    page = client.get("/notifications/deliveries/")
    assert "13800000001" in page.content.decode() and f"pc-delivery-{delivery.pk}" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/notifications/deliveries/", {"delivery": delivery.pk, "delivered": "0"})
    delivery.refresh_from_db()
    # Staff said it never arrived: sent again, once, even though the interrupted tries used up the limit.
    assert delivery.status == DeliveryStatus.SENT
    assert LocmemSmsBackend.outbox == [("13800000001", "【教务处】T：")]
    assert AuditEvent.objects.filter(action="delivery.resolve", actor=staff).count() == 1
    assert "没有发送结果未知的消息" in client.get("/notifications/deliveries/").content.decode()


def test_marking_delivered_records_sent_without_sending():
    delivery = _unknown_delivery()
    resolve_unknown_delivery(actor=make_user(Role.STAFF), delivery_id=delivery.pk, delivered=True)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at == delivery.claimed_at
    assert LocmemSmsBackend.outbox == []
    with pytest.raises(DeliveryResolutionError) as refused:
        resolve_unknown_delivery(actor=make_user(Role.STAFF), delivery_id=delivery.pk, delivered=False)
    assert refused.value.code == "not_unknown"


def test_only_staff_settle_an_unknown_outcome():
    delivery = _unknown_delivery()
    with pytest.raises(DeliveryResolutionError) as refused:
        resolve_unknown_delivery(actor=make_user(Role.COORDINATOR), delivery_id=delivery.pk, delivered=False)
    assert refused.value.code == "staff_only"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNKNOWN and not AuditEvent.objects.exists()


def test_unknown_list_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    client.force_login(make_user(Role.STAFF))
    campaign = make_campaign()

    def add(n):
        for _ in range(n):
            student = make_student(campaign, phone="13800000001", email="")
            notify(recipient=student, kind="k", subject=campaign, step="s", code="test.plain", data={"title": "T"})
        Delivery.objects.update(status=DeliveryStatus.UNKNOWN, claimed_at=timezone.now())

    add(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/notifications/deliveries/").status_code == 200
    add(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/notifications/deliveries/")
    assert page.content.decode().count('class="card unknown-delivery"') == 20
