"""Day arithmetic the deadlines share (the CHSI window, a campaign's phases)."""

import datetime


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Mon-Fri only. There is no holiday calendar: public holidays count as working days."""
    current = start
    added = 0
    while added < days:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
