from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        # services enqueue tasks by name (tasks.py imports services, not the other way): the
        # tasks must be registered in every process, the web one too.
        from . import audit_actions, tasks  # noqa: F401
