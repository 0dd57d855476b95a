from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("网上校对")

    def ready(self):
        from . import (  # noqa: F401  (register this app's audit actions, notification messages and reminder rules)
            audit_actions,
            notices,
            reminders,
        )
