from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与审计"

    def ready(self):
        from core.redact import install_log_redaction

        from . import audit_actions  # noqa: F401  (registers this app's audit actions)

        install_log_redaction()
