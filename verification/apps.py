from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("网上校对")

    def ready(self):
        from . import receivers  # noqa: F401  (connects to the capture signals)
