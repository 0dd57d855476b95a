import pytest


@pytest.fixture(autouse=True)
def _desks_open(desk_on_capture_day):
    """These tests swipe at slots on the factories' capture day (tests/capture_day/test_reach.py
    checks the other days)."""
