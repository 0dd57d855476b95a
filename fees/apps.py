from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("费用")

    def ready(self):
        from . import (  # noqa: F401  (register this app's audit actions, notification messages and reminder rules)
            audit_actions,
            notices,
            reminders,
        )
