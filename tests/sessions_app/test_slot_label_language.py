"""A slot's label (the desk's wrong-slot notice, the staff's slot lists) is dated in the reader's language."""

import datetime

import pytest
from django.utils import translation

from sessions_app.selectors import slot_label
from tests.factories import make_campaign, make_slot

pytestmark = pytest.mark.django_db


def test_slot_label_date_in_both_languages():
    slot = make_slot(make_campaign(), group="金石滩第一组", date=datetime.date(2020, 11, 26))
    assert "11月26日" in slot_label(slot)
    with translation.override("en"):
        label = slot_label(slot)
    assert "26 Nov" in label and "月" not in label
