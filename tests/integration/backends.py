"""An SMS file backend for the worker test: it blocks, before transmitting, on chosen phones.

While the file named by SMS_TEST_HANG_FILE exists, a send to one of SMS_TEST_HANG_PHONES waits.
The test then knows every worker process sits between "claimed" and "transmitted", so a
SIGKILL at that moment lands where the delivery guarantees say it must be recovered.
"""

import os
import time

from notifications.sms import FileSmsBackend


class HangingFileSmsBackend(FileSmsBackend):
    def send_keyed(self, phone: str, text: str, *, key: str) -> None:
        hang_file = os.environ.get("SMS_TEST_HANG_FILE", "")
        phones = set(filter(None, os.environ.get("SMS_TEST_HANG_PHONES", "").split(",")))
        while hang_file and phone in phones and os.path.exists(hang_file):
            time.sleep(0.05)
        super().send_keyed(phone, text, key=key)
