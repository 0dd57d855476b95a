from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "后台任务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # start_job enqueues by name (tasks.py imports services, not the other way): the task
        # must be registered in every process, the web one too.
        from . import audit_actions, tasks  # noqa: F401
