from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_save
from django.utils.translation import gettext_lazy as _


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = _("图像采集")

    def ready(self):
        from django.contrib.auth import get_user_model

        from . import audit_actions  # noqa: F401  (registers this app's audit actions)

        # accounts sits below this app and cannot call up into it: when a counselor account is
        # created anywhere (the admin included), the students the roster already names are linked.
        post_save.connect(_link_new_counselor, sender=get_user_model(), dispatch_uid="link_new_counselor")
        # A counselor given a college later (the admin's second step) is linked to the students of
        # that college who name them, and to no other college's.
        m2m_changed.connect(
            _link_counselor_college,
            sender=get_user_model().colleges.through,
            dispatch_uid="link_counselor_college",
        )


def _link_new_counselor(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .roster.counselors import link_counselor_students

        link_counselor_students(user=instance)


def _link_counselor_college(sender, instance, action, reverse, **kwargs):
    if action == "post_add" and not reverse:
        from .roster.counselors import link_counselor_students

        link_counselor_students(user=instance)
