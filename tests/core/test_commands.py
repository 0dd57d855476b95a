"""Every command of ours explains itself: `manage.py help <command>` crashed on lazily translated
help texts (argparse takes only real strings)."""

import pytest
from django.core.management import get_commands, load_command_class

from core.commands import BaseCommand

OURS = {"accounts", "core", "demo", "fees", "retakes", "sessions_app", "verification", "capture_day", "jobs"}
COMMANDS = sorted((name, app) for name, app in get_commands().items() if app in OURS)


def test_the_project_has_its_commands():
    assert {"seed_demo", "import_roster", "export_report", "grant_app_role"} <= {name for name, _app in COMMANDS}


@pytest.mark.parametrize(("name", "app"), COMMANDS)
def test_help_prints_in_chinese(name, app):
    command = load_command_class(app, name)
    assert isinstance(command, BaseCommand)
    text = command.create_parser("manage.py", name).format_help()
    assert f"manage.py {name}" in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text  # its own description, not only argparse's
