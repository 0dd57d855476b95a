"""One local HTTP server (127.0.0.1, plain http) that plays Alibaba Cloud SMS, Tencent Cloud SMS,
WeCom and its group robots, for tests that run the providers' own SDKs.

It checks each request's signature the way the provider does (Alibaba ACS3-HMAC-SHA256, Tencent
TC3-HMAC-SHA256) with the secret the test configured, and answers a bad one with the provider's
own error, so a test passes only if the SDK really signed the request we built. It keeps what it
accepted, can be told to answer the next call with an error code, and answers lookups
(Alibaba QuerySendDetails, Tencent PullSmsSendStatusByPhoneNumber) from what it accepted.
"""

import datetime
import hashlib
import hmac
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ALIYUN_KEY, ALIYUN_SECRET = "test-ak", "test-aliyun-secret"
TENCENT_ID, TENCENT_KEY = "test-secret-id", "test-tencent-key"
WECOM_CORP, WECOM_SECRET = "wwtestcorp", "test-wecom-secret"
ROBOT_KEY = "robot-key-1"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class FakeProviders:
    def __init__(self):
        self.lock = threading.Lock()
        self.aliyun_sent: list[dict] = []
        self.tencent_sent: list[dict] = []
        self.wecom_sent: list[dict] = []
        self.robot_sent: list[dict] = []
        self.calls: list[str] = []  # every action asked, signed or not
        self.bad_signatures = 0
        self.errors: dict[str, list] = {"aliyun": [], "tencent": [], "wecom": [], "robot": []}
        self.invalid_users: set[str] = set()
        self.tokens_issued = 0
        self.token = ""
        self.tencent_reports = True  # whether PullSmsSendStatus lists what was accepted
        self.ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self, b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake.handle(self, self.rfile.read(length))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, provider: str, code):
        self.errors[provider].append(code)

    def expire_token(self):
        self.token = f"expired-{self.token}"

    def _next_error(self, provider: str):
        with self.lock:
            return self.errors[provider].pop(0) if self.errors[provider] else None

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, body: bytes):
        url = urlsplit(request.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path.startswith("/cgi-bin/"):
            return self._reply(request, self.wecom(url.path, query, body))
        if request.headers.get("X-TC-Action"):
            return self._reply(request, self.tencent(request, url.path, body))
        if request.headers.get("x-acs-action"):
            status, answer = self.aliyun(request, url.path, url.query, body)
            return self._reply(request, answer, status)
        return self._reply(request, {"error": "unknown"}, 404)

    def _reply(self, request, answer: dict, status: int = 200):
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    # --- Alibaba Cloud dysmsapi 2017-05-25 (ACS3-HMAC-SHA256) --------------------------------

    def aliyun_signature_ok(self, request, path: str, raw_query: str, body: bytes) -> bool:
        auth = request.headers.get("Authorization", "")
        algorithm, _, rest = auth.partition(" ")
        if algorithm != "ACS3-HMAC-SHA256":
            return False
        parts = dict(item.split("=", 1) for item in rest.split(","))
        if parts.get("Credential") != ALIYUN_KEY:
            return False
        payload = request.headers.get("x-acs-content-sha256", "")
        if payload != _sha256(body):
            return False
        signed = parts.get("SignedHeaders", "").split(";")
        if "host" not in signed or "x-acs-date" not in signed or "x-acs-signature-nonce" not in signed:
            return False
        query = parse_qsl(raw_query, keep_blank_values=True)
        canonical_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(query))
        headers = "".join(f"{name}:{(request.headers.get(name) or '').strip()}\n" for name in signed)
        canonical = f"{request.command}\n{path or '/'}\n{canonical_query}\n{headers}\n{';'.join(signed)}\n{payload}"
        to_sign = f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}"
        expected = hmac.new(ALIYUN_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("Signature", ""))

    def aliyun(self, request, path, raw_query, body):
        action = request.headers.get("x-acs-action")
        self.calls.append(f"aliyun.{action}")
        if not self.aliyun_signature_ok(request, path, raw_query, body):
            self.bad_signatures += 1
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched",
                "RequestId": "r",
            }
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        if action == "SendSms":
            error = self._next_error("aliyun")
            if error:
                return 200, {"Code": error, "Message": f"fake {error}", "RequestId": "r"}
            biz_id = f"biz-{next(self.ids)}"
            with self.lock:
                self.aliyun_sent.append({**params, "BizId": biz_id})
            return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"}
        if action == "QuerySendDetails":
            rows = [
                {
                    "PhoneNum": s["PhoneNumbers"],
                    "OutId": s.get("OutId", ""),
                    "SendStatus": 3,
                    "TemplateCode": s["TemplateCode"],
                }
                for s in self.aliyun_sent
                if s["PhoneNumbers"] == params.get("PhoneNumber")
            ]
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "TotalCount": str(len(rows)),
                "RequestId": "r",
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
            }
        return 400, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": "r"}

    # --- Tencent Cloud SMS 2021-01-11 (TC3-HMAC-SHA256) --------------------------------------

    def tencent_signature_ok(self, request, path: str, body: bytes) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return False
        parts = dict(item.strip().split("=", 1) for item in auth[len("TC3-HMAC-SHA256 ") :].split(","))
        secret_id, date, service, scope_end = parts["Credential"].split("/")
        if secret_id != TENCENT_ID or scope_end != "tc3_request" or parts["SignedHeaders"] != "content-type;host":
            return False
        timestamp = request.headers.get("X-TC-Timestamp", "")
        if datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%d") != date:
            return False
        headers = f"content-type:{request.headers.get('Content-Type')}\nhost:{request.headers.get('Host')}\n"
        canonical = f"{request.command}\n{path or '/'}\n\n{headers}\ncontent-type;host\n{_sha256(body)}"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{_sha256(canonical.encode())}"
        key = _hmac(_hmac(_hmac(("TC3" + TENCENT_KEY).encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("Signature", ""))

    def tencent(self, request, path, body):
        action = request.headers.get("X-TC-Action")
        self.calls.append(f"tencent.{action}")
        if not self.tencent_signature_ok(request, path, body):
            self.bad_signatures += 1
            return {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}, "RequestId": "r"}}
        params = json.loads(body or b"{}")
        if action == "SendSms":
            phone = params["PhoneNumberSet"][0]
            error = self._next_error("tencent")
            if error and "." in error and error.split(".")[0] in {"AuthFailure", "RequestLimitExceeded"}:
                return {"Response": {"Error": {"Code": error, "Message": "fake"}, "RequestId": "r"}}
            if error:
                status = {
                    "SerialNo": "",
                    "PhoneNumber": phone,
                    "Fee": 0,
                    "SessionContext": params.get("SessionContext", ""),
                    "Code": error,
                    "Message": f"fake {error}",
                    "IsoCode": "CN",
                }
                return {"Response": {"SendStatusSet": [status], "RequestId": "r"}}
            serial = f"serial-{next(self.ids)}"
            with self.lock:
                self.tencent_sent.append({**params, "SerialNo": serial})
            status = {
                "SerialNo": serial,
                "PhoneNumber": phone,
                "Fee": 1,
                "SessionContext": params.get("SessionContext", ""),
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
            return {"Response": {"SendStatusSet": [status], "RequestId": "r"}}
        if action == "PullSmsSendStatusByPhoneNumber":
            rows = [
                {
                    "SerialNo": s["SerialNo"],
                    "PhoneNumber": s["PhoneNumberSet"][0],
                    "SessionContext": s.get("SessionContext", ""),
                    "ReportStatus": "SUCCESS",
                    "Description": "DELIVRD",
                    "UserReceiveTime": 0,
                    "CountryCode": "86",
                    "SubscriberNumber": s["PhoneNumberSet"][0][3:],
                }
                for s in self.tencent_sent
                if s["PhoneNumberSet"][0] == params.get("PhoneNumber") and self.tencent_reports
            ]
            return {"Response": {"PullSmsSendStatusSet": rows, "RequestId": "r"}}
        return {"Response": {"Error": {"Code": "InvalidAction", "Message": action}, "RequestId": "r"}}

    # --- WeCom -------------------------------------------------------------------------------

    def wecom(self, path: str, query: dict, body: bytes) -> dict:
        self.calls.append(f"wecom.{path}")
        if path == "/cgi-bin/gettoken":
            if query.get("corpid") != WECOM_CORP or query.get("corpsecret") != WECOM_SECRET:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            with self.lock:
                self.tokens_issued += 1
                self.token = f"token-{self.tokens_issued}"
            return {"errcode": 0, "errmsg": "ok", "access_token": self.token, "expires_in": 7200}
        payload = json.loads(body or b"{}")
        if path == "/cgi-bin/message/send":
            if query.get("access_token") != self.token:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            error = self._next_error("wecom")
            if error:
                return {"errcode": error, "errmsg": "fake"}
            if payload.get("touser") in self.invalid_users:
                return {"errcode": 0, "errmsg": "ok", "invaliduser": payload["touser"]}
            msgid = f"msg-{next(self.ids)}"
            with self.lock:
                self.wecom_sent.append({**payload, "msgid": msgid})
            return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": msgid}
        if path == "/cgi-bin/webhook/send":
            if query.get("key") != ROBOT_KEY:
                return {"errcode": 93000, "errmsg": "invalid webhook url"}
            error = self._next_error("robot")
            if error:
                return {"errcode": error, "errmsg": "fake"}
            self.robot_sent.append(payload)
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 404, "errmsg": "no such path"}
