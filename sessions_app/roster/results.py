"""What an import reports back: the command prints it, the staff page renders it."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, located the way the registrar finds it in Excel: row number and header."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("第 %(row)s 行，%(column)s 列：%(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        if self.row is not None:
            return _("第 %(row)s 行：%(reason)s") % {"row": self.row, "reason": self.reason}
        return self.reason


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
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_text(self) -> str:
        return _("新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
