"""The dashboard's day, shared by the staff and the operator dashboard tests."""

import datetime

import pytest

from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student

DAY = datetime.date(2020, 11, 26)


@pytest.fixture
def day():
    """金石滩第一组 shoots 经管 (40) from 08:30, 金石滩第二组 计算机 (30); nobody captured yet."""
    campaign = make_campaign()
    econ, cs = make_college("经济管理学院"), make_college("计算机学院")
    first = make_slot(campaign, group="金石滩第一组", start="08:30", end="09:50", date=DAY)
    second = make_slot(campaign, group="金石滩第二组", start="08:30", end="09:00", date=DAY)
    make_audience(first, college=econ)
    make_audience(second, college=cs)
    econ_students = [make_student(campaign, econ) for _ in range(40)]
    cs_students = [make_student(campaign, cs) for _ in range(30)]
    refresh_slot_assignments(campaign=campaign)
    return campaign, econ, cs, first, second, econ_students, cs_students
