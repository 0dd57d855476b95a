"""The console e-mail backend (the demo's and development's default) prints mail into the server
log; a problem report or a reminder can quote a student's ID number, so this one masks it first.
Mail really sent (SMTP) is left as written: its recipient may need the number."""

import copy

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.core.mail.message import EmailAlternative, EmailMessage, EmailMultiAlternatives

from .redact import redact


class RedactingConsoleBackend(ConsoleEmailBackend):
    def write_message(self, message: EmailMessage) -> None:
        shown = copy.copy(message)
        shown.subject = redact(str(message.subject or ""))
        shown.body = redact(str(message.body or ""))
        # Only EmailMultiAlternatives carries alternatives (the HTML part).
        if isinstance(shown, EmailMultiAlternatives) and shown.alternatives:
            shown.alternatives = [
                EmailAlternative(redact(content) if isinstance(content, str) else content, mimetype)
                for content, mimetype in shown.alternatives
            ]
        super().write_message(shown)
