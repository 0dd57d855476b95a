"""WeCom (企业微信) app messages and group robots: a small client of our own.

wechatpy has had no stable release since 2021, and the two calls we need are plain JSON over
HTTPS. The base URL is a setting (WECOM_BASE_URL), so tests and a campus proxy can stand in.
The access token is cached (Django's cache, shared by the workers) until shortly before it
expires, and fetched again when WeCom says it is invalid or expired (40014, 42001): a call
refused for its token was not accepted, so repeating it once is safe.
"""

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache

from ..transport import OutcomeUnknown, Outgoing, Receipt, SendFailed, network_failure

TOKEN_INVALID = {40014, 42001, 41001}
RATE_LIMIT = {45009, 45033, 45047}
INVALID_USER = {81013, 40003, 60111}
CONFIG = {40013, 40056, 40001, 48002, 60020, 301002}
ROBOT_INVALID = {93000, 93008}


def classify(errcode: int, errmsg: str = "") -> SendFailed:
    detail = f"{errcode} {errmsg}".strip()
    if errcode in RATE_LIMIT:
        return SendFailed("rate_limited", detail, transient=True)
    if errcode == -1:  # "system busy"
        return SendFailed("transport", detail, transient=True)
    if errcode in INVALID_USER:
        return SendFailed("invalid_address", detail)
    if errcode in CONFIG or errcode in ROBOT_INVALID:
        return SendFailed("config", detail)
    return SendFailed("provider", detail)


def _clip(text: str, limit: int) -> str:
    """WeCom counts bytes of UTF-8, not characters."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[: limit - 3].decode("utf-8", "ignore") + "..."


def _request(url: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    timeout = settings.WECOM_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL from settings)
            answer: dict[str, Any] = json.loads(response.read().decode("utf-8"))
            return answer
    except urllib.error.HTTPError as exc:
        # An error status from WeCom's front end: the message may or may not have been taken.
        raise network_failure(f"HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError | socket.gaierror):  # never reached WeCom
            raise SendFailed("transport", f"Connection refused: {reason}", transient=True) from exc
        raise network_failure(f"{type(reason).__name__}: {reason}") from exc
    except (TimeoutError, ConnectionError, ValueError) as exc:
        raise network_failure(f"{type(exc).__name__}: {exc}") from exc


class WeComClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        corp_id: str | None = None,
        secret: str | None = None,
        agent_id: int | None = None,
    ):
        self.base_url = (base_url or settings.WECOM_BASE_URL).rstrip("/")
        self.corp_id = corp_id if corp_id is not None else settings.WECOM_CORP_ID
        self.secret = secret if secret is not None else settings.WECOM_SECRET
        self.agent_id = agent_id if agent_id is not None else settings.WECOM_AGENT_ID

    @property
    def _cache_key(self) -> str:
        return f"wecom:token:{self.corp_id}:{self.agent_id}"

    def access_token(self, *, refresh: bool = False) -> str:
        if not refresh:
            cached = cache.get(self._cache_key)
            if cached:
                return str(cached)
        query = urllib.parse.urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        try:
            answer = _request(f"{self.base_url}/cgi-bin/gettoken?{query}")
        except OutcomeUnknown as exc:  # asking for a token sends nothing: safe to try again later
            raise SendFailed("transport", f"gettoken: {exc}", transient=True) from exc
        if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
            failure = classify(int(answer.get("errcode", -2)), str(answer.get("errmsg", "")))
            # A token that cannot be had means nothing was sent: the code is kept, the send not repeated
            # blindly (config) or retried later (busy, rate limit).
            raise failure
        token = str(answer["access_token"])
        # Refreshed five minutes early, so a token never dies between the cache and WeCom.
        cache.set(self._cache_key, token, max(int(answer.get("expires_in", 7200)) - 300, 60))
        return token

    def _post_with_token(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        token = self.access_token()
        answer = _request(f"{self.base_url}{path}?access_token={urllib.parse.quote(token)}", payload)
        if answer.get("errcode") in TOKEN_INVALID:
            token = self.access_token(refresh=True)
            answer = _request(f"{self.base_url}{path}?access_token={urllib.parse.quote(token)}", payload)
        return answer

    def send_textcard(self, *, userid: str, title: str, description: str, url: str) -> str:
        """One textcard to one person; returns WeCom's msgid. An `invaliduser` answer is a failure."""
        payload = {
            "touser": userid,
            "msgtype": "textcard",
            "agentid": self.agent_id,
            "textcard": {
                "title": _clip(title, 128),
                "description": _clip(description, 512),
                "url": url,
                "btntxt": "详情",
            },
            # WeCom's own guard against the same content twice within the interval (seconds).
            "enable_duplicate_check": 1,
            "duplicate_check_interval": 1800,
        }
        answer = self._post_with_token("/cgi-bin/message/send", payload)
        errcode = int(answer.get("errcode", -2))
        if errcode != 0:
            raise classify(errcode, str(answer.get("errmsg", "")))
        if answer.get("invaliduser"):
            raise SendFailed("invalid_address", f"invaliduser {answer['invaliduser']}")
        return str(answer.get("msgid", ""))


class WeComBackend:
    provider = "wecom"

    def __init__(self) -> None:
        self.client = WeComClient()

    def send_message(self, message: Outgoing) -> Receipt:
        msgid = self.client.send_textcard(
            userid=message.address, title=message.title, description=message.body, url=message.link
        )
        return Receipt(self.provider, msgid)


class RobotBackend:
    """A group robot's webhook: `address` is the robot's key. Robots keep no record to ask."""

    provider = "wecom_robot"

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.WECOM_BASE_URL).rstrip("/")

    def send_message(self, message: Outgoing) -> Receipt:
        content = f"**{message.title}**\n{message.body}"
        if message.link:
            content += f"\n[查看详情]({message.link})"
        key = urllib.parse.quote(message.address)
        answer = _request(
            f"{self.base_url}/cgi-bin/webhook/send?key={key}",
            {"msgtype": "markdown", "markdown": {"content": _clip(content, 4096)}},
        )
        errcode = int(answer.get("errcode", -2))
        if errcode != 0:
            raise classify(errcode, str(answer.get("errmsg", "")))
        return Receipt(self.provider, "")
