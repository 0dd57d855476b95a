import datetime

import pytest

from sessions_app.phases import Phase, campaign_phase, erase_after, is_closed, last_deadline
from tests.factories import make_campaign, make_slot

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (D(2020, 11, 25), Phase.PREPARING),
        (D(2020, 11, 26), Phase.LIVE),
        (D(2021, 1, 5), Phase.LIVE),  # the CHSI window: 26 Nov + 40 days
        (D(2021, 1, 6), Phase.CLOSING),  # retakes still open
        (D(2021, 3, 31), Phase.CLOSING),
        (D(2021, 4, 1), Phase.CLOSED),
    ],
)
def test_phase_follows_the_campaigns_own_dates(today, phase):
    campaign = make_campaign(retake_deadline=D(2021, 3, 31), phase_override="")
    make_slot(campaign)  # on 2020-11-26

    assert campaign_phase(campaign, today=today) == phase
    assert is_closed(campaign, today=today) == (phase == Phase.CLOSED)


def test_a_campaign_without_any_capture_day_is_in_preparation_until_staff_say_otherwise():
    campaign = make_campaign(capture_dates="", phase_override="")
    assert campaign_phase(campaign, today=D(2030, 1, 1)) == Phase.PREPARING
    assert last_deadline(campaign) is None and erase_after(campaign) is None

    campaign.phase_override = Phase.CLOSED
    assert campaign_phase(campaign, today=D(2030, 1, 1)) == Phase.CLOSED


def test_personal_data_is_kept_for_the_retention_period_after_the_last_deadline():
    campaign = make_campaign(remittance_deadline=D(2021, 2, 1), retention_days=180, phase_override="")
    make_slot(campaign)

    assert last_deadline(campaign) == D(2021, 2, 1)  # later than the CHSI window's 2021-01-05
    assert erase_after(campaign) == D(2021, 2, 1) + datetime.timedelta(days=180)


def test_a_working_day_window_skips_weekends():
    campaign = make_campaign(
        verification_window=5, verification_window_unit="working_days", remittance_deadline=None, phase_override=""
    )
    make_slot(campaign)  # Thursday 2020-11-26: five working days later is Thursday 3 December
    assert campaign_phase(campaign, today=D(2020, 12, 3)) == Phase.LIVE
    assert campaign_phase(campaign, today=D(2020, 12, 4)) == Phase.CLOSED
