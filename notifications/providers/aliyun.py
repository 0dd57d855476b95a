"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through Alibaba's own SDK.

The SDK signs each call (ACS3-HMAC-SHA256) and does not retry on its own (no RetryOptions are
given): a repeat is this project's decision, never a library's. `OutId` carries the delivery's
de-duplication key, so QuerySendDetails can say whether an interrupted send got through.
"""

import datetime
import json
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.conf import settings

from ..transport import Found, Lookup, Outgoing, Receipt, SendFailed, network_failure

# Alibaba's answer codes, by what they mean for the delivery. Anything else is refused for good.
RATE_LIMIT = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User", "Throttling"}
TEMPLATE = {
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.SIGN_NAME_ILLEGAL",
}
INVALID_NUMBER = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.BLACK_KEY_CONTROL_LIMIT"}
BALANCE = {"isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE"}
CONFIG = {"InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL"}
SERVER = {"isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError"}

SHANGHAI = ZoneInfo("Asia/Shanghai")


def classify(code: str, message: str = "") -> SendFailed:
    detail = f"{code} {message}".strip()
    if code in RATE_LIMIT:
        return SendFailed("rate_limited", detail, transient=True)
    if code in SERVER:
        return SendFailed("transport", detail, transient=True)
    if code in TEMPLATE:
        return SendFailed("template", detail)
    if code in INVALID_NUMBER:
        return SendFailed("invalid_address", detail)
    if code in BALANCE:
        return SendFailed("balance", detail)
    if code in CONFIG:
        return SendFailed("config", detail)
    return SendFailed("provider", detail)


class AliyunSmsBackend:
    provider = "aliyun"
    uses_templates = True

    def __init__(self) -> None:
        endpoint = urlsplit(settings.ALIYUN_SMS_ENDPOINT)
        self.client = Client(
            Config(
                access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                endpoint=endpoint.netloc,
                protocol=endpoint.scheme.upper() or "HTTPS",
                connect_timeout=settings.SMS_CONNECT_TIMEOUT_MS,
                read_timeout=settings.SMS_READ_TIMEOUT_MS,
            )
        )
        self.sign_name = settings.SMS_SIGN_NAME

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.client, method)(request, RuntimeOptions())
        except Exception as exc:
            code = getattr(exc, "code", None)
            status = getattr(exc, "status_code", None)
            if code and status:  # the provider answered with an error status
                raise classify(str(code), str(getattr(exc, "message", ""))) from exc
            raise network_failure(f"{type(exc).__name__}: {exc}") from exc

    def send_template(self, message: Outgoing) -> Receipt:
        assert message.template is not None
        request = sms_models.SendSmsRequest(
            phone_numbers=message.address,
            sign_name=self.sign_name,
            template_code=message.template.template_code,
            template_param=json.dumps(dict(message.template.params), ensure_ascii=False),
            out_id=message.dedup_key,
        )
        body = self._call("send_sms_with_options", request).body
        if body.code != "OK":
            raise classify(body.code or "", body.message or "")
        return Receipt(self.provider, body.biz_id or "")

    def lookup(self, message: Outgoing) -> Lookup:
        """Ask QuerySendDetails for the day of the claim: a record with our OutId means it was accepted.

        The query lists every message Alibaba accepted for that number and day, delivered or
        still waiting for its receipt, so "not there" means "not accepted"."""
        claimed = message.claimed_at or datetime.datetime.now(datetime.UTC)
        request = sms_models.QuerySendDetailsRequest(
            phone_number=message.address,
            send_date=claimed.astimezone(SHANGHAI).strftime("%Y%m%d"),
            page_size=50,
            current_page=1,
        )
        body = self._call("query_send_details_with_options", request).body
        if body.code != "OK":
            return Lookup(Found.CANNOT_TELL)
        dtos = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else None
        for dto in dtos or []:
            if dto.out_id == message.dedup_key:
                return Lookup(Found.YES)
        return Lookup(Found.NO)
