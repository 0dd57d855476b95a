"""SMS transport: any class with send(phone, text) (the SmsBackend protocol), chosen by settings.SMS_BACKEND.

Development uses the console or file backend; a real provider (e.g. a gateway's HTTP API)
is another such class configured the same way, so nothing else in the code changes.
"""

import json
import os
import sys
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            self.stream.write(f"[SMS to {phone}] {text}\n")
            self.stream.flush()


class FileSmsBackend:
    """One JSON line per message, appended to settings.SMS_FILE_PATH."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": timezone.now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        # O_APPEND keeps lines from concurrent worker processes whole.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)


class LocmemSmsBackend:
    """Keeps messages in `outbox` for tests, like Django's locmem email backend."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemSmsBackend.outbox.append((phone, text))


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
