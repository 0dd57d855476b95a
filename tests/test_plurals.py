"""English counts agree with their number, and the English catalogue is complete."""

import polib
from django.template.loader import render_to_string
from django.utils import translation

from deploy.catalogues import LOCALE
from retakes.photo_check.messages import measured_label
from retakes.photo_check.report import Finding

ENGLISH = LOCALE / "en" / "LC_MESSAGES" / "django.po"


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = polib.pofile(str(ENGLISH))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []


def _countdown(**context):
    with translation.override("en"):
        return " ".join(render_to_string("verification/_countdown.html", {"record": None, **context}).split())


def test_countdown_days_in_english():
    assert "1 day left" in _countdown(days_left=1)
    assert "3 days left" in _countdown(days_left=3)
    assert "1 day overdue" in _countdown(overdue_days=1)
    assert "2 days overdue" in _countdown(overdue_days=2)
    with translation.override("zh-hans"):
        assert "还剩 1 天" in render_to_string("verification/_countdown.html", {"record": None, "days_left": 1})


def test_photo_check_faces_in_english():
    with translation.override("en"):
        assert measured_label(Finding("no_face", measured=0)) == "0 faces"
        assert measured_label(Finding("multiple_faces", measured=2)) == "2 faces"
        assert measured_label(Finding("multiple_faces", measured=1)) == "1 face"
