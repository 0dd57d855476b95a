"""Simplified Chinese by default, English for whoever picks it; the catalogue covers everything."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from core import formatting
from fees.services import FeeError, parse_amount
from retakes.services import RetakeError, create_request
from sessions_app.services import refresh_slot_assignments
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def student_user(db):
    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    slot = make_slot(campaign)
    make_audience(slot, college=college)
    user = make_user(Role.STUDENT)
    student = make_student(campaign, college, name="张三", user=user)
    refresh_slot_assignments(campaign=campaign)
    return user, student


def test_chinese_is_the_default_even_for_an_english_browser(client, student_user):
    client.force_login(student_user[0])
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的采集时段" in page and "My capture slot" not in page
    assert '<html lang="zh-Hans">' in page


def test_the_header_switch_remembers_english_then_back(client, student_user):
    client.force_login(student_user[0])
    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302 and switched["Location"] == "/"
    assert client.cookies["django_language"].value == "en"
    assert int(client.cookies["django_language"]["max-age"]) >= 30 * 24 * 3600
    page = client.get(reverse("home")).content.decode()
    assert "My capture slot" in page and "我的采集时段" not in page and '<html lang="en">' in page
    assert 'value="zh-hans"' in page  # the switch offers the way back
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我的采集时段" in client.get(reverse("home")).content.decode()


def test_an_unknown_language_cookie_falls_back_to_chinese(client, student_user):
    client.force_login(student_user[0])
    client.cookies["django_language"] = "fr"
    assert "我的采集时段" in client.get(reverse("home")).content.decode()


def test_errors_carry_the_same_code_and_read_in_both_languages(db):
    # One error, worded when read: in the language of that moment, not of the raise.
    with pytest.raises(FeeError) as refused:
        parse_amount("")
    messages = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            messages[language] = (refused.value.code, refused.value.message)
    assert messages == {"zh-hans": ("amount_empty", "金额不能为空"), "en": ("amount_empty", "The amount is empty")}
    student = make_student(make_campaign())
    with pytest.raises(RetakeError) as refused:
        create_request(student=student, actor=None, reason="nonsense", channel="central")
    with translation.override("en"):
        assert refused.value.code == "reason_missing"
        assert refused.value.message == "Please choose the reason for the retake"


def test_dates_and_money_through_one_set_of_helpers():
    import datetime

    import time_machine

    day = datetime.date(2020, 11, 26)
    with time_machine.travel(datetime.datetime(2020, 10, 1, 12, tzinfo=datetime.UTC), tick=False):
        with translation.override("zh-hans"):
            assert (formatting.date(day), formatting.date_short(day), formatting.money("17")) == (
                "2020年11月26日",
                "11月26日",
                "¥17.00",
            )
            # A campaign cloned across the new year: a day of another year carries its year.
            assert formatting.date_short(datetime.date(2021, 2, 10)) == "2021年2月10日"
            assert formatting.datetime_day(datetime.datetime(2021, 2, 10, 1, 30, tzinfo=datetime.UTC)) == (
                "2021年2月10日 09:30"
            )
        with translation.override("en"):
            assert (formatting.date(day), formatting.date_short(day), formatting.money("-2.5")) == (
                "26 Nov 2020",
                "26 Nov",
                "-¥2.50",
            )
            assert formatting.date_short(datetime.date(2021, 2, 10)) == "10 Feb 2021"
            assert (formatting.colon(), formatting.paren("student"), formatting.joined(["a", "b"], "、")) == (
                ": ",
                " (student)",
                "a, b",
            )
        with translation.override("zh-hans"):
            assert (formatting.colon(), formatting.paren("学生"), formatting.joined(["a", "b"], "、")) == (
                "：",
                "（学生）",
                "a、b",
            )


def test_the_english_catalogue_is_complete():
    """Every string has an English translation (msgfmt --check in conftest checks the placeholders)."""
    entries = re.split(r"\n\n+", PO.read_text(encoding="utf-8").strip())[1:]
    assert len(entries) > 1000
    untranslated = [
        e for e in entries if re.search(r'msgstr(\[\d\])? ""$', e, re.M) and not re.search(r'msgstr(\[\d\])? ""\n"', e)
    ]
    assert untranslated == []
    assert not [e for e in entries if "#, fuzzy" in e]


@pytest.mark.parametrize(
    ("written", "href"),
    [
        ("87188626（5626）", "tel:87188626"),
        ("0411-8765 4321", "tel:041187654321"),
        ("+86 138 0000 0000", "tel:+8613800000000"),
        ("于老师", ""),
    ],
)
def test_a_written_phone_number_becomes_one_a_phone_can_dial(written, href):
    assert formatting.tel_href(written) == href
