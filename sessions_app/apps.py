from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "图像采集"

    def ready(self):
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
