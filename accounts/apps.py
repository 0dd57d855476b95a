from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号与审计")

    def ready(self):
        from core.redact import install_log_redaction

        from . import audit_actions  # noqa: F401  (registers this app's audit actions)

        install_log_redaction()
