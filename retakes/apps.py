from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetakesConfig(AppConfig):
    name = "retakes"
    verbose_name = _("补拍")

    def ready(self):
        # services enqueue the photo check by name (tasks.py imports services, not the other
        # way): the tasks must be registered in every process, the web one too.
        from . import (
            audit_actions,  # noqa: F401  (registers this app's audit actions)
            notices,  # noqa: F401  (and its notification messages)
            reminders,  # noqa: F401  (and its reminder rule)
            tasks,  # noqa: F401
        )
