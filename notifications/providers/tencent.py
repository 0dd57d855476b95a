"""Tencent Cloud SMS (2021-01-11) through Tencent's own SDK.

The SDK signs each call (TC3-HMAC-SHA256); no retryer is configured, so the SDK never repeats a
send. `SessionContext` carries the delivery's de-duplication key and comes back in status reports.
"""

import datetime
import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from ..transport import Found, Lookup, Outgoing, Receipt, SendFailed, network_failure

INVALID_NUMBER = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "FailedOperation.PhoneNumberParseFail",
}
BALANCE = {"FailedOperation.InsufficientBalanceInSmsPackage"}


def classify(code: str, message: str = "") -> SendFailed:
    detail = f"{code} {message}".strip()
    if code.startswith("LimitExceeded.") or code == "RequestLimitExceeded":
        return SendFailed("rate_limited", detail, transient=True)
    if code.startswith("InternalError"):
        return SendFailed("transport", detail, transient=True)
    if code in INVALID_NUMBER:
        return SendFailed("invalid_address", detail)
    if code in BALANCE:
        return SendFailed("balance", detail)
    if code.startswith("AuthFailure"):
        return SendFailed("config", detail)
    if "Template" in code or "Signature" in code:
        return SendFailed("template", detail)
    return SendFailed("provider", detail)


def e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsBackend:
    provider = "tencent"
    uses_templates = True

    def __init__(self) -> None:
        endpoint = urlsplit(settings.TENCENT_SMS_ENDPOINT)
        http = HttpProfile(
            protocol=endpoint.scheme or "https",
            endpoint=endpoint.netloc,
            reqTimeout=max(1, settings.SMS_READ_TIMEOUT_MS // 1000),
        )
        self.client = SmsClient(
            credential.Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http),
        )
        self.app_id = settings.TENCENT_SMS_SDK_APP_ID
        self.sign_name = settings.SMS_SIGN_NAME

    def _call(self, action: str, request: Any) -> Any:
        try:
            return getattr(self.client, action)(request)
        except TencentCloudSDKException as exc:
            if exc.code == "ClientNetworkError":
                raise network_failure(str(exc.message)) from exc
            if exc.code == "ServerNetworkError":  # an HTTP error status: the call may have been served
                raise network_failure(f"ServerNetworkError {exc.message}") from exc
            raise classify(str(exc.code), str(exc.message)) from exc

    def send_template(self, message: Outgoing) -> Receipt:
        assert message.template is not None
        request = sms_models.SendSmsRequest()
        request.from_json_string(
            json.dumps(
                {
                    "PhoneNumberSet": [e164(message.address)],
                    "SmsSdkAppId": self.app_id,
                    "SignName": self.sign_name,
                    "TemplateId": message.template.template_code,
                    # Tencent's template variables are positional: {1}, {2}, ... in the order of `params`.
                    "TemplateParamSet": [value for _, value in message.template.params],
                    "SessionContext": message.dedup_key,
                }
            )
        )
        response = self._call("SendSms", request)
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SendFailed("provider", "no SendStatus in the answer")
        status = statuses[0]
        if status.Code != "Ok":
            raise classify(status.Code or "", status.Message or "")
        return Receipt(self.provider, status.SerialNo or "")

    def lookup(self, message: Outgoing) -> Lookup:
        """A status report carrying our SessionContext proves the send was accepted. Reports come only
        after the operator answers, so their absence proves nothing: then staff decide."""
        claimed = message.claimed_at or datetime.datetime.now(datetime.UTC)
        request = sms_models.PullSmsSendStatusByPhoneNumberRequest()
        request.from_json_string(
            json.dumps(
                {
                    "BeginTime": int(claimed.timestamp()) - 60,
                    "EndTime": int(datetime.datetime.now(datetime.UTC).timestamp()),
                    "Offset": 0,
                    "Limit": 100,
                    "PhoneNumber": e164(message.address),
                    "SmsSdkAppId": self.app_id,
                }
            )
        )
        response = self._call("PullSmsSendStatusByPhoneNumber", request)
        for status in response.PullSmsSendStatusSet or []:
            if status.SessionContext == message.dedup_key:
                return Lookup(Found.YES, status.SerialNo or "")
        return Lookup(Found.CANNOT_TELL)
