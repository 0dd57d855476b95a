from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("网上校对")

    def ready(self):
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
