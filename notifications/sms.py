"""SMS transport, chosen by settings.SMS_BACKEND.

Two shapes of backend:
- a provider's template backend (`notifications.providers.aliyun.AliyunSmsBackend`,
  `...tencent.TencentSmsBackend`): `send_template(message)` with an approved sign name, template
  code and parameters (China's providers send nothing else), and `lookup(message)`;
- a development backend with send(phone, text) (the SmsBackend protocol): console, file, locmem.
  The file backend also writes each message's de-duplication key, so it can answer `lookup`
  like a provider.
"""

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .transport import Found, Lookup, Outgoing


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    provider = "console"

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            self.stream.write(f"[SMS to {phone}] {text}\n")
            self.stream.flush()


class FileSmsBackend:
    """One JSON line per message, appended to settings.SMS_FILE_PATH."""

    provider = "file"

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, phone: str, text: str) -> None:
        self.send_keyed(phone, text, key="")

    def send_keyed(self, phone: str, text: str, *, key: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"at": timezone.now().isoformat(), "phone": phone, "text": text, "key": key}
        line = json.dumps(record, ensure_ascii=False)
        # O_APPEND keeps lines from concurrent worker processes whole.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def lookup(self, message: Outgoing) -> Lookup:
        if not self.path.exists():
            return Lookup(Found.NO)
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                if f'"key": "{message.dedup_key}"' in line and json.loads(line).get("key") == message.dedup_key:
                    return Lookup(Found.YES)
        return Lookup(Found.NO)


class LocmemSmsBackend:
    """Keeps messages in `outbox` for tests, like Django's locmem email backend."""

    provider = "locmem"
    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemSmsBackend.outbox.append((phone, text))


def get_sms_backend() -> Any:
    return import_string(settings.SMS_BACKEND)()
