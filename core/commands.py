"""The base of the project's management commands: help texts in the reader's language.

Commands write their help with gettext_lazy (a command module is imported before a language is
active); argparse formats help with a regular expression that takes only real strings, so
`manage.py help <command>` and `<command> --help` crashed on the lazy text. The parser gets the
texts as strings, translated in the language active when it is built.
"""

from typing import Any

from django.core.management.base import BaseCommand as DjangoBaseCommand
from django.core.management.base import CommandParser


class BaseCommand(DjangoBaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.description is not None:
            parser.description = str(parser.description)
        for action in parser._actions:
            if action.help is not None:
                action.help = str(action.help)
        return parser
