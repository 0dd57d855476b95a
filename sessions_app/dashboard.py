"""The live capture-day dashboard: captured against expected per slot and per college, each
desk's pace over the last minutes and when its queue will be done at that pace.

Every poll costs four queries whatever the size of the roster (aggregates grouped in the
database, never one query per slot or per college): a dashboard polled every couple of
seconds by 教务处 and every coordinator must stay cheap on the morning of the shoot.
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.utils import timezone

from core.charts import timeline

from .models import Campaign, Capture, CaptureGroup, College, Slot, Student

PACE_WINDOW = datetime.timedelta(minutes=10)


class SlotState:
    UPCOMING = "upcoming"
    ON_TRACK = "on_track"
    OVERRUN = "overrun"  # at this pace the queue ends after the slot does
    STALLED = "stalled"  # the slot runs, students are missing, nobody was captured lately
    LATE = "late"  # the slot is over and students are still missing
    DONE = "done"


@dataclass
class SlotLive:
    slot_id: int
    group: str
    date: datetime.date
    time_range: str
    starts: datetime.datetime
    ends: datetime.datetime
    expected: int
    captured: int
    recent: int  # captures at this slot's desk within PACE_WINDOW
    state: str = SlotState.UPCOMING
    forecast: datetime.datetime | None = None

    @property
    def remaining(self) -> int:
        return max(self.expected - self.captured, 0)

    @property
    def pace(self) -> float:
        return self.recent / (PACE_WINDOW.total_seconds() / 60)

    def as_dict(self) -> dict:
        local = timezone.localtime(self.forecast).strftime("%H:%M") if self.forecast else ""
        return {
            "id": self.slot_id,
            "group": self.group,
            "date": self.date.isoformat(),
            "time_range": self.time_range,
            "expected": self.expected,
            "captured": self.captured,
            "remaining": self.remaining,
            "pace": round(self.pace, 1),
            "state": self.state,
            "forecast": local,
        }


@dataclass
class CollegeLive:
    college_id: int
    name: str
    expected: int
    captured: int

    def as_dict(self) -> dict:
        return {"id": self.college_id, "name": self.name, "expected": self.expected, "captured": self.captured}


def _aware(date: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, time))


def judge(slot: SlotLive, *, now: datetime.datetime) -> SlotLive:
    """The slot's state and, at its desk's current pace, when its queue will be done."""
    if slot.remaining == 0 and slot.expected:
        slot.state = SlotState.DONE
    elif now < slot.starts and slot.recent == 0:
        slot.state = SlotState.UPCOMING
    elif now > slot.ends:
        slot.state = SlotState.LATE
    elif slot.recent == 0:
        slot.state = SlotState.STALLED if slot.remaining else SlotState.DONE
    else:
        slot.forecast = now + datetime.timedelta(minutes=math.ceil(slot.remaining / slot.pace))
        slot.state = SlotState.OVERRUN if slot.forecast > slot.ends else SlotState.ON_TRACK
    return slot


def live_figures(
    *,
    campaign: Campaign,
    colleges: QuerySet[College] | None = None,
    groups: QuerySet[CaptureGroup] | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """Everything the dashboard shows, for the students of `colleges` (a coordinator's scope) or
    of the slots of `groups` (an operator's): nothing of anyone else's."""
    now = now or timezone.now()
    students = Student.objects.filter(campaign=campaign)
    if colleges is not None:
        students = students.filter(college__in=colleges)
    if groups is not None:
        students = students.filter(assigned_slot__group__in=groups)
    cells = _cells(students)
    slot_ids = {c["assigned_slot_id"] for c in cells if c["assigned_slot_id"]}
    slots, recent = _slots_and_pace(campaign=campaign, slot_ids=slot_ids, now=now)
    by_slot, by_college = _fold_cells(cells, slots=slots, recent=recent)
    order = {pk: i for i, pk in enumerate(slots)}
    slot_rows = sorted((judge(s, now=now) for s in by_slot.values()), key=lambda s: order[s.slot_id])
    sort_keys = {c["college_id"]: (c["college__sort_order"], c["college__name"]) for c in cells}
    college_rows = sorted(by_college.values(), key=lambda c: sort_keys[c.college_id])
    return {
        "now": timezone.localtime(now).strftime("%H:%M:%S"),
        "slots": [s.as_dict() for s in slot_rows],
        "colleges": [c.as_dict() for c in college_rows],
        "total": {
            "expected": sum(c.expected for c in college_rows),
            "captured": sum(c.captured for c in college_rows),
        },
        # 4. captures per minute and capture group, for the chart.
        "timeline": capture_timeline(campaign=campaign, students=students, groups=groups),
    }


def _cells(students: QuerySet[Student]) -> list[dict]:
    """1. captured / expected per (slot, college): one grouped query over the roster."""
    return list(
        students.order_by()
        .values("assigned_slot_id", "college_id", "college__name", "college__sort_order")
        .annotate(
            expected=Count("pk", distinct=True),
            captured=Count("captures", filter=Q(captures__undone_at__isnull=True), distinct=True),
        )
    )


def _slots_and_pace(*, campaign: Campaign, slot_ids: set[int], now: datetime.datetime) -> tuple[dict, dict]:
    """2. the slots these students are in, in schedule order; 3. each desk's captures in the pace
    window (all students: the queue is the desk's)."""
    slots = {
        s.pk: s
        for s in Slot.objects.filter(group__campaign=campaign, pk__in=slot_ids)
        .select_related("group")
        .order_by("date", "start_time", "group__sort_order", "group__name")
    }
    recent = dict(
        Capture.objects.filter(
            campaign=campaign, slot_id__in=slot_ids, undone_at__isnull=True, captured_at__gte=now - PACE_WINDOW
        )
        .order_by()
        .values("slot_id")
        .annotate(n=Count("pk"))
        .values_list("slot_id", "n")
    )
    return slots, recent


def _fold_cells(cells: list[dict], *, slots: dict, recent: dict) -> tuple[dict[int, SlotLive], dict[int, CollegeLive]]:
    by_slot: dict[int, SlotLive] = {}
    by_college: dict[int, CollegeLive] = {}
    for cell in cells:
        college = by_college.setdefault(
            cell["college_id"], CollegeLive(cell["college_id"], cell["college__name"], 0, 0)
        )
        college.expected += cell["expected"]
        college.captured += cell["captured"]
        slot = slots.get(cell["assigned_slot_id"])
        if slot is None:
            continue
        live = by_slot.get(slot.pk)
        if live is None:
            live = by_slot[slot.pk] = SlotLive(
                slot.pk,
                slot.group.name,
                slot.date,
                slot.time_range(),
                _aware(slot.date, slot.start_time),
                _aware(slot.date, slot.end_time),
                0,
                0,
                recent.get(slot.pk, 0),
            )
        live.expected += cell["expected"]
        live.captured += cell["captured"]
    return by_slot, by_college


def capture_timeline(
    *, campaign: Campaign, students: QuerySet[Student], groups: QuerySet[CaptureGroup] | None = None
) -> dict:
    """Active captures per minute per capture group: `core.charts.timeline`, series named in "groups"."""
    captures = Capture.objects.filter(campaign=campaign, undone_at__isnull=True, student__in=students)
    if groups is not None:
        # A student of these groups captured at another group's desk is that desk's business.
        captures = captures.filter(slot__group__in=groups)
    rows = (
        captures.annotate(minute=TruncMinute("captured_at"))
        .order_by()
        .values("minute", "slot__group__name")
        .annotate(n=Count("pk"))
        .order_by("minute")
    )
    names: list[str] = []
    points = []
    for row in rows:
        name = row["slot__group__name"] or ""
        if name not in names:
            names.append(name)
        points.append([int(row["minute"].timestamp()), names.index(name), row["n"]])
    # "groups" names the series (the desks); the labels are the shared chart's (core.charts).
    return {**timeline(names=names, points=points), "groups": names}
