from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("后台任务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # start_job enqueues by name (tasks.py imports services, not the other way): the task
        # must be registered in every process, the web one too.
        from . import audit_actions, tasks  # noqa: F401
