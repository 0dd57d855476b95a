from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与审计"

    def ready(self):
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
        from .redact import install_log_redaction

        install_log_redaction()
