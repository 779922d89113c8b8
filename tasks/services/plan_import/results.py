"""What an import reports: every problem found, the refusal that lists them, and what was written."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks.models import AnnualPlan


@dataclass(frozen=True)
class ImportIssue:
    """One problem: `row` is the worksheet row number (1-based) and `column` its letter, when known."""

    row: int | None
    column: str | None
    header: str
    message: str
    code: str = ""  # what went wrong, for programs and tests: "unknown_unit", "bad_date", ...

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            label = _("column %(column)s") % {"column": self.column}
            where.append(f"{label} ({self.header})" if self.header else label)
        return (", ".join(where) + ": " if where else "") + self.message


class PlanImportError(ValidationError):
    """The file was refused: nothing was written. `issues` lists every problem found."""

    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues
        super().__init__([str(issue) for issue in issues], code="plan_import")


@dataclass
class KeyTaskChange:
    """What an import does to one key task, by name: shown before (the check) and after (the import)."""

    number: str
    title: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    units_added: list[str] = field(default_factory=list)
    units_removed: list[str] = field(default_factory=list)
    units_kept: list[str] = field(default_factory=list)  # no longer listed, kept for what was recorded on them
    assignments: list[str] = field(default_factory=list)  # "办公室党支部: deadline 2023-12-20 → 2023-11-30"

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.units_added or self.units_removed or self.assignments)


@dataclass
class PlanImportResult:
    plan: AnnualPlan | None
    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)  # key-task numbers
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created_tasks: list[KeyTaskChange] = field(default_factory=list)
    updated_tasks: list[KeyTaskChange] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)  # key tasks of the plan the file does not list: kept

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)
