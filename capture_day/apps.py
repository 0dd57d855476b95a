from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptureDayConfig(AppConfig):
    """The capture desk and what a capture sets off (above fees, verification and retakes)."""

    name = "capture_day"
    verbose_name = _("采集日")
