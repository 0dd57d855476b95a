"""What an import reports back: the command prints it, the staff page renders it."""

from dataclasses import dataclass, field

from intake import Notice, RowError

from ..models import Level
from .messages import CHANGE_LABELS, import_counts

__all__ = ["Change", "ImportReport", "Notice", "PreviewRow", "RowError"]


@dataclass(frozen=True, slots=True)
class Change:
    """One field an update changes: its Student field name and the values as shown (ID numbers masked).

    A level is kept as its code and shown by its name, so a stored preview reads in any language.
    """

    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS.get(self.field, self.field))

    @property
    def old_text(self) -> str:
        return _shown(self.field, self.old)

    @property
    def new_text(self) -> str:
        return _shown(self.field, self.new)


def _shown(field_name: str, value: str) -> str:
    if field_name == "level" and value:
        return str(Level(value).label) if value in Level.values else value
    return value


@dataclass(frozen=True, slots=True)
class PreviewRow:
    row: int
    action: str  # "create" or "update"
    student_no: str
    name: str
    college: str
    masked_id: str
    changes: tuple[Change, ...] = ()

    def as_data(self) -> dict:
        """As a check job keeps it (JSON): the ID number is already masked here, never in full."""
        return {
            "row": self.row,
            "action": self.action,
            "student_no": self.student_no,
            "name": self.name,
            "college": self.college,
            "masked_id": self.masked_id,
            "changes": [[c.field, c.old, c.new] for c in self.changes],
        }

    @classmethod
    def from_data(cls, data: dict) -> "PreviewRow":
        changes = tuple(Change(*c) for c in data.get("changes", ()))
        return cls(
            data["row"],
            data["action"],
            data["student_no"],
            data["name"],
            data["college"],
            data["masked_id"],
            changes,
        )


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
        return import_counts(created=self.created, updated=self.updated, unchanged=self.unchanged)
