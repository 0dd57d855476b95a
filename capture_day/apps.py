from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptureDayConfig(AppConfig):
    """The capture desk and what a capture sets off (above fees, verification and retakes)."""

    name = "capture_day"
    verbose_name = _("采集日")

    def ready(self):
        from . import notices  # noqa: F401  (registers this app's notification messages)
