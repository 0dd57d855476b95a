from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("费用")

    def ready(self):
        from celery.schedules import crontab
        from django.conf import settings

        from . import audit_actions  # noqa: F401  (registers this app's audit actions)

        # Registered here rather than in settings.py so the fees app owns its schedule.
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "fees-remittance-reminders",
            {"task": "fees.tasks.send_remittance_reminders", "schedule": crontab(hour=9, minute=0)},
        )
