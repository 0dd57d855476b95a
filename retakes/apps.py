from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetakesConfig(AppConfig):
    name = "retakes"
    verbose_name = _("补拍")

    def ready(self):
        from celery.schedules import crontab
        from django.conf import settings

        # services enqueue the photo check by name (tasks.py imports services, not the other
        # way): the tasks must be registered in every process, the web one too.
        from . import (
            audit_actions,  # noqa: F401  (registers this app's audit actions)
            tasks,  # noqa: F401
        )

        # Registered here rather than in settings.py so this app owns its schedule. Beat reads
        # CELERY_BEAT_SCHEDULE after Django is set up (photocapture.celery autodiscovers tasks),
        # so the entry is in place when `celery -A photocapture beat` starts.
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "retakes-reminders",
            {"task": "retakes.send_retake_reminders", "schedule": crontab(hour=9, minute=0)},
        )
