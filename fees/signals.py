"""Capture → charge. The capture signals are sent inside the capture's transaction, so a
failure here rolls the capture back: a capture never exists without its charge."""

from django.dispatch import receiver

from sessions_app.signals import capture_recorded, capture_undone

from . import services


@receiver(capture_recorded, dispatch_uid="fees_charge_on_capture")
def charge_on_capture(sender, capture, actor=None, **kwargs):
    services.post_charge(capture=capture, actor=actor)


@receiver(capture_undone, dispatch_uid="fees_reverse_charge_on_undo")
def reverse_charge_on_undo(sender, capture, actor=None, reason="", **kwargs):
    services.reverse_charge_for_capture(capture=capture, actor=actor, reason=reason)
