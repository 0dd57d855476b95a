from core.registries import student_panel

from .models import Identification


@student_panel(order=5)
def collection_code(student):
    """Whether the student has bound their 采集码 (no query: the profile comes with its campaign)."""
    if not student.campaign.identifies_by(Identification.COLLECTION_CODE):
        return None
    return "sessions_app/code_panel.html", {"bound": bool(student.collection_code_hash)}
