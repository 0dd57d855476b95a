from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Retention and erasure of personal data (PIPL arts. 19, 47): it reaches into every app, so it
    sits above them all, under the project's own layer."""

    name = "privacy"
    verbose_name = _("个人信息保护")

    def ready(self):
        from . import (
            audit_actions,  # noqa: F401  (registers this app's audit actions)
            tasks,  # noqa: F401  (beat's entry, registered in every process)
        )
