"""English counts agree with their number, and the English catalogue is complete."""

from decimal import Decimal
from types import SimpleNamespace

import polib
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

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


def test_import_summaries_have_a_plural_form_per_count():
    from fees.import_messages import import_summary
    from sessions_app.roster.messages import import_counts
    from verification.import_messages import plan_counts

    with translation.override("en"):
        assert import_counts(created=1, updated=2, unchanged=0) == "1 student added, 2 updated, 0 unchanged"
        assert import_counts(created=3, updated=1, unchanged=1) == "3 students added, 1 updated, 1 unchanged"
        done = plan_counts(confirm=1, unconfirm=2, report=1, unchanged=5, unmatched=1, done=True)
        assert done == (
            "1 student marked confirmed, 2 confirmations withdrawn, “wrong data” report filed for 1 student, "
            "5 students unchanged, 1 row not matched (not imported)"
        )
        planned = plan_counts(confirm=2, unconfirm=1, report=0, unchanged=1, unmatched=3, done=False)
        assert planned.startswith("2 students to be marked confirmed, 1 confirmation to be withdrawn")
        assert planned.endswith("1 student unchanged, 3 rows not matched (not imported)")
        one = import_summary(SimpleNamespace(created=1, replayed=2, total=Decimal("17")))
        assert one == "Import finished: 1 new payment, ¥17.00 in total, 2 already recorded, not posted again"
        assert "3 new payments" in import_summary(SimpleNamespace(created=3, replayed=0, total=Decimal("51")))
    with translation.override("zh-hans"):
        assert import_counts(created=1, updated=2, unchanged=0) == "新增 1 人，更新 2 人，未变 0 人"
        assert plan_counts(confirm=1, unconfirm=0, report=0, unchanged=0, unmatched=2, done=False).startswith(
            "将标记已确认 1 人，将撤销确认 0 人"
        )


def test_audit_summaries_count_in_english():
    from accounts.audit_registry import action_for

    clone = action_for("campaign.clone").display
    roster = action_for("roster.import").display
    with translation.override("en"):
        data = {"source": "b2021", "code": "b2025", "slots": 1, "audiences": 2, "capture_day": "2025-11-02"}
        assert clone(data, {}) == "Copied b2021 as b2025: 1 slot, 2 audiences, first capture day 2025-11-02"
        assert "14 slots, 1 audience" in clone({**data, "slots": 14, "audiences": 1}, {})
        counts = {"file": "名单.xlsx", "created": 1, "updated": 0, "unchanged": 0, "rows": 1}
        assert (
            roster(counts, {}) == "Roster “名单.xlsx” imported: 1 student added, 0 updated, 0 unchanged (1 row in all)"
        )
        assert roster({**counts, "file": "", "created": 2, "rows": 2}, {}).endswith(
            "2 students added, 0 updated, 0 unchanged (2 rows in all)"
        )
    with translation.override("zh-hans"):
        assert roster(counts, {}) == "导入名单“名单.xlsx”：新增 1 人，更新 0 人，未变 0 人（共 1 行）"


def test_demo_progress_lines_count_in_english():
    """The demo loader's lines are ngettext entries with both English forms in the catalogue."""
    with translation.override("en"):
        one = ngettext("本届名单 %(n)s 人，已按日程分配时段", "本届名单 %(n)s 人，已按日程分配时段", 1) % {"n": 1}
        many = ngettext(
            "已有 %(n)s 人在学信网核对确认，其余人的校对倒计时进行中",
            "已有 %(n)s 人在学信网核对确认，其余人的校对倒计时进行中",
            3,
        ) % {"n": 3}
    assert one == "This year's roster: 1 student, slots assigned by the schedule"
    assert many.startswith("3 students have checked and confirmed on CHSI")


def _unpaid(count: int, language: str) -> str:
    context = {"unpaid": [], "unpaid_count": count, "campaign": SimpleNamespace(code="2021")}
    with translation.override(language):
        return " ".join(render_to_string("fees/_unpaid.html", context).split())


def test_money_screen_counts_in_english():
    with translation.override("en"):
        one = ngettext("%(n)s 人，共 ¥%(amount)s", "%(n)s 人，共 ¥%(amount)s", 1) % {"n": 1, "amount": "17.00"}
        many = ngettext("%(n)s 人，共 ¥%(amount)s", "%(n)s 人，共 ¥%(amount)s", 3) % {"n": 3, "amount": "51.00"}
        entries = ngettext("%(n)s 笔", "%(n)s 笔", 1) % {"n": 1}
    assert (one, many, entries) == ("1 student, ¥17.00 in total", "3 students, ¥51.00 in total", "1 entry")
    assert "Students who have not paid (1 student)" in _unpaid(1, "en")
    assert "Students who have not paid (4 students)" in _unpaid(4, "en")
    assert "未缴费学生（4 人）" in _unpaid(4, "zh-hans")
