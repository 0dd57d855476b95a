from core.registries import student_panel

from . import selectors


@student_panel(order=20)
def fee_status(student):
    """What the student owes and has paid; two queries."""
    account = selectors.account_for(student)
    return "fees/student_panel.html", {
        "student": student,
        "account": account,
        "fee": student.campaign.fee_per_person,
        "captured": account is not None and account.charged > 0,
    }
