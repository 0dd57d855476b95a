"""Which reminder step is due before a deadline: one rule for every app's d-N reminders."""

import datetime


def step_before_deadline(*, deadline: datetime.date, today: datetime.date, days: tuple[int, ...]) -> str | None:
    """The nearest step already reached ("d-3" when 3 days or fewer are left), so a missed day
    still sends it; None more than max(days) before the deadline and after it. The delivery
    key (recipient, kind, subject, step) keeps a step from being sent twice."""
    days_left = (deadline - today).days
    if days_left < 0:
        return None
    reached = [d for d in days if days_left <= d]
    return f"d-{min(reached)}" if reached else None
