"""What an import reports back: the command prints it, the staff page renders it."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from intake import Notice, RowError

__all__ = ["Change", "ImportReport", "Notice", "PreviewRow", "RowError"]


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class PreviewRow:
    row: int
    action: str  # "create" or "update"
    student_no: str
    name: str
    college: str
    masked_id: str
    changes: tuple[Change, ...] = ()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Students of the campaign the file does not mention; an import never deletes them.
    not_in_file: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    # Counselors the file names who have no account yet: name -> number of students.
    counselors_without_account: dict[str, int] = field(default_factory=dict)
    sheet: str = ""
    dry_run: bool = False
    written: bool = False
    table: object = None  # the intake Table, for the error workbook

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_text(self) -> str:
        return _("新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
