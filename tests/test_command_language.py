"""Management commands speak the active language: their output and errors are gettext with
named placeholders, never f-strings around Chinese."""

import ast
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.factories import make_campaign

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff]")


def _commands():
    return sorted(p for p in ROOT.glob("*/management/commands/*.py") if p.name != "__init__.py")


def _cjk_fstrings(tree) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        and CJK.search("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    ]


def test_no_command_builds_its_words_with_an_f_string():
    found = [f"{p.relative_to(ROOT)}:{line}" for p in _commands() for line in _cjk_fstrings(ast.parse(p.read_text()))]
    # seed_demo's progress lines come from demo/ (the seeded names there are data).
    for path in ROOT.glob("demo/*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "progress":
                found += [f"{path.relative_to(ROOT)}:{line}" for arg in node.args for line in _cjk_fstrings(arg)]
    assert found == []


def _error(*args, language):
    with translation.override(language), pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(refused.value)


@pytest.mark.django_db
def test_command_errors_in_both_languages():
    assert _error("import_payments", "x.xlsx", "--campaign", "nope", language="zh-hans") == "没有采集批次 nope"
    assert _error("send_reminders", "--campaign", "nope", language="en") == "There is no campaign with code nope"
    make_campaign(code="2021")
    english = _error("export_report", "nosuch", "--campaign", "2021", "-o", "/tmp/x.xlsx", language="en")
    assert english.startswith("There is no report called nosuch. Available reports: ") and not CJK.search(
        english.split(": ", 1)[1].split(" (")[0]
    )
    assert _error("send_reminders", "--campaign", "2021", "--today", "x", language="en") == (
        "The date must be YYYY-MM-DD: x"
    )


@pytest.mark.django_db
def test_send_reminders_output_counts_in_english():
    make_campaign(code="2021")
    out = io.StringIO()
    with translation.override("en"):
        call_command("send_reminders", "--campaign", "2021", "--dry-run", "--today", "2020-11-25", stdout=out)
    # Every app's rules, the ones beat sends (notifications.reminders), not only verification's.
    assert sorted(out.getvalue().splitlines()) == sorted(
        [
            "College remittance reminders: would send 0 messages",
            "Day-before-capture reminders: would send 0 messages",
            "Verification reminders: would send 0 messages",
            "Colleges' overdue lists: would send 0 messages",
            "Retake deadline reminder: would send 0 messages",
            "Preview: nothing was recorded or sent",
        ]
    )
    assert out.getvalue().splitlines()[-1] == "Preview: nothing was recorded or sent"
    out = io.StringIO()
    call_command("send_reminders", "--campaign", "2021", "--dry-run", "--today", "2020-11-25", stdout=out)
    assert "采集前一天提醒：将发送 0 条" in out.getvalue().splitlines()
