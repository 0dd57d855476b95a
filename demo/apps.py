from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (`seed_demo`): drives every app's services, so it sits above them all and no app imports it."""

    name = "demo"
    verbose_name = _("演示数据")
