"""Hooks other apps listen to, so capture stays ignorant of fees and verification.

Both are sent inside the capture's transaction: a receiver that fails rolls the
capture back, so a capture never exists without its charge.
"""

from django.dispatch import Signal

# kwargs: capture (sessions_app.models.Capture), actor (User or None)
capture_recorded = Signal()
# kwargs: capture (the capture just undone), actor, reason
capture_undone = Signal()
