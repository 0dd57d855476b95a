from core.registries import preloaded, staff_student_panel, student_panel

from . import selectors
from .models_service import notice_for, notice_of


@student_panel(order=20, select_related=("fee_account", "campaign__fee_notice"))
def fee_status(student):
    """What the student owes and has paid: the account and the campaign's notice come with the
    home page's student (otherwise one query, and the notice's cache)."""
    found, account = preloaded(student, "fee_account")
    if not found:
        account = selectors.account_for(student)
    found, row = preloaded(student.campaign, "fee_notice")
    notice = notice_of(row) if found else notice_for(student.campaign_id)
    return "fees/student_panel.html", {
        "student": student,
        "account": account,
        "fee": student.campaign.fee_per_person,
        "captured": account is not None and account.charged > 0,
        "notice": notice,
    }


@staff_student_panel(order=20)
def fee_ledger(student, viewer):
    """Balance and every entry, for staff and the college's coordinators (counselors do not
    handle money); two queries whatever the ledger's length."""
    if not (viewer.is_academic_staff or viewer.is_coordinator):
        return None
    return "fees/staff_student_panel.html", {
        "account": selectors.account_for(student),
        "entries": list(selectors.entries_for(student)),
    }
