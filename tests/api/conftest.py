import pytest

from accounts.models import Role
from api.models import Scope
from api.services import create_token
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

ALL_SCOPES = list(Scope.values)


@pytest.fixture
def staff():
    return make_user(Role.STAFF)


@pytest.fixture
def api_settings(settings):
    settings.API_CHANGES_SETTLE_SECONDS = 0
    return settings


@pytest.fixture
def world(db, api_settings):
    """Two campaigns; the first with one slot and five students of one college."""
    campaign = make_campaign("c2021")
    other = make_campaign("c2022")
    college = make_college("计算机科学与工程学院")
    slot = make_slot(campaign)
    students = [make_student(campaign, college) for _ in range(5)]
    stranger = make_student(other, college)
    make_audience(slot, college=college)
    refresh_slot_assignments(campaign=campaign)
    return {
        "campaign": campaign,
        "other": other,
        "college": college,
        "slot": slot,
        "students": students,
        "stranger": stranger,
    }


@pytest.fixture
def make_token(staff):
    def make(campaigns, scopes=None, **kwargs):
        token, key = create_token(
            actor=staff, name="学籍系统", campaigns=campaigns, scopes=ALL_SCOPES if scopes is None else scopes, **kwargs
        )
        return token, key

    return make


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
