"""The capture service announces captures; the verification clock starts and stops here."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from sessions_app.models import Campaign
from sessions_app.signals import capture_recorded, capture_undone

from . import services


@receiver(capture_recorded, dispatch_uid="verification_open_record")
def _on_capture(sender, capture, **kwargs):
    services.open_record_for_capture(capture=capture)


@receiver(capture_undone, dispatch_uid="verification_close_record")
def _on_undo(sender, capture, **kwargs):
    services.close_record_for_capture(capture=capture)


@receiver(post_save, sender=Campaign, dispatch_uid="verification_follow_window")
def _on_campaign_saved(sender, instance, created, **kwargs):
    if not created:
        services.refresh_due_dates(campaign=instance)
