"""When a reminder step is due: the one algorithm every reminder rule uses (notifications.reminders).

A rule's steps are days before a deadline ("d-7", "d-3", "d-1"), optionally one "overdue" step
after it, or one step a day (the day is the step) for as long as the rule finds someone to tell.
The days are data: a setting, or read from the campaign (`days` may be a function of it).
"""

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from typing import Any

OVERDUE_STEP = "overdue"


def step_name(days: int) -> str:
    return f"d-{days}"


def step_days(step: str) -> int | None:
    """3 for "d-3"; None for any other step."""
    if step.startswith("d-") and step[2:].isdigit():
        return int(step[2:])
    return None


@dataclasses.dataclass(frozen=True)
class StepSchedule:
    # Days before the deadline, or a function of the campaign that returns them (campaign data).
    days: tuple[int, ...] | Callable[[Any], Iterable[int]] = ()
    overdue: bool = False  # one "overdue" step once the deadline has passed
    daily: bool = False  # one step per day, named by the day (a daily list to staff)

    def days_for(self, campaign: Any) -> tuple[int, ...]:
        days = self.days(campaign) if callable(self.days) else self.days
        return tuple(sorted({int(d) for d in days}, reverse=True))

    def due_step(
        self,
        *,
        deadline: datetime.date | None,
        today: datetime.date,
        days: tuple[int, ...],
        sent: set[str] | frozenset[str] = frozenset(),
        not_before: datetime.date | None = None,
    ) -> str | None:
        """The step to send today, or None. Pure.

        Only the latest step whose day has come is sent (the nearest one already reached), so a
        missed run never sends a burst of stale reminders; steps that fall on or before
        `not_before` (e.g. the capture day) were never ahead of the person and are skipped;
        once the deadline has passed, one "overdue" message when the schedule has one, and
        nothing more. A step in `sent`, or an earlier-sent later step (the days were changed),
        ends it: the unique key of the notification would refuse it anyway, and a preview must
        not count it.
        """
        if self.daily:
            step = today.isoformat()
            return None if step in sent else step
        if deadline is None:
            return None
        if today > deadline:
            return OVERDUE_STEP if self.overdue and OVERDUE_STEP not in sent else None
        current = None
        for n in sorted(days, reverse=True):
            if deadline - datetime.timedelta(days=n) > today:
                break
            if not_before is not None and deadline - datetime.timedelta(days=n) <= not_before:
                continue
            current = n
        if current is None:
            return None
        for name in sent:
            sent_days = step_days(name)
            if sent_days is not None and sent_days <= current:
                return None
        return step_name(current)
