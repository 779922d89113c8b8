"""Checking every row of the sheet: find the header, read each cell, and name each problem's row and column."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from tasks.models import KeyTask, OrgUnit, User
from tasks.services.plan_import.cells import cell_date, cell_decimal, cell_text, number_text
from tasks.services.plan_import.columns import CADENCES, COLUMN_BY_KEY, COLUMNS, HEADER_SEARCH_ROWS, MAX_ROWS
from tasks.services.plan_import.directory import Directory, means_every_branch
from tasks.services.plan_import.results import ImportIssue

NAME_SEPARATORS = re.compile(r"[、，,;；/\n\r\t]+|\s{2,}")


@dataclass
class PlanRow:
    """One validated row: what a key task and its assignments should become."""

    row: int
    area: str
    number: str
    title: str
    description: str
    lead_unit: OrgUnit
    cooperating_units: list[OrgUnit]
    leader: User | None
    owners: list[User]
    start: dt.date
    deadline: dt.date
    metric: str
    metric_unit: str
    target: Decimal | None
    weight: Decimal
    cadence: str
    # False when 牵头单位 says "every branch" (各党支部): the committee leads, and only the branches carry it.
    lead_carries: bool = True

    @property
    def units(self) -> list[OrgUnit]:
        """The units that carry the key task, one assignment each."""
        return [self.lead_unit, *self.cooperating_units] if self.lead_carries else list(self.cooperating_units)


def _normalise_header(value) -> str:
    text = str(value or "")
    return re.sub(r"[\s*＊:：（）()]", "", text).replace("(必填)", "").replace("必填", "")


_HEADER_LOOKUP = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_LOOKUP[_normalise_header(_name)] = _column.key


def _find_header(rows: list[tuple[int, tuple]]) -> tuple[int, dict[str, int]] | None:
    """The header row (index in `rows`) and the position of each known column in it."""
    best = None
    for index, (_row_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, value in enumerate(values):
            key = _HEADER_LOOKUP.get(_normalise_header(value))
            if key and key not in found:
                found[key] = position
        if len(found) >= 3 and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


def _is_hint_row(values: tuple) -> bool:
    """The template's explanation row (a user may keep it or delete it)."""
    hints = {column.hint for column in COLUMNS}
    texts = [str(value).strip() for value in values if value not in (None, "")]
    return bool(texts) and sum(text in hints for text in texts) * 2 >= len(texts)


def _matches(candidates: dict, name: str) -> list:
    return list({item.pk: item for item in candidates.get(name, [])}.values())


def parse_rows(
    sheet_rows: list[tuple[int, tuple]], *, year: int, directory: Directory
) -> tuple[list[PlanRow], list[ImportIssue]]:
    """Check every row; `sheet_rows` are the non-empty rows as (row number, values)."""
    header = _find_header(sheet_rows)
    if header is None:
        return [], [_no_header_issue()]
    header_index, positions = header
    missing = _missing_column_issues(sheet_rows[header_index][0], positions)
    if missing:
        return [], missing
    data_rows, refusal = _data_rows(sheet_rows[header_index + 1 :])
    if refusal is not None:
        return [], [refusal]

    parsed: list[PlanRow] = []
    issues: list[ImportIssue] = []
    first_row_of_number: dict[str, int] = {}
    for row_number, values in data_rows:
        reader = RowReader(row_number, values, positions=positions, year=year, directory=directory)
        row = reader.plan_row(first_row_of_number)
        issues.extend(reader.issues)
        if row is not None:
            parsed.append(row)
    if not issues:
        issues = _owner_membership_issues(parsed, positions, directory)
    return parsed, issues


def _no_header_issue() -> ImportIssue:
    expected = "、".join(column.header for column in COLUMNS if column.required)
    message = _("No header row found. The first rows must hold the column names of the template, at least: %(names)s.")
    return ImportIssue(None, None, "", message % {"names": expected}, "no_header")


def _missing_column_issues(header_row: int, positions: dict[str, int]) -> list[ImportIssue]:
    return [
        ImportIssue(
            header_row,
            None,
            column.header,
            _('The required column "%(name)s" is missing.') % {"name": column.header},
            "missing_column",
        )
        for column in COLUMNS
        if column.required and column.key not in positions
    ]


def _data_rows(rows: list[tuple[int, tuple]]) -> tuple[list[tuple[int, tuple]], ImportIssue | None]:
    """The rows below the header (the template's hint row aside), or why there is nothing to import."""
    if rows and _is_hint_row(rows[0][1]):
        rows = rows[1:]
    if not rows:
        return [], ImportIssue(None, None, "", _("The file has no key tasks below the header row."), "empty")
    if len(rows) > MAX_ROWS:
        message = _("The file has %(count)d rows; at most %(limit)d can be imported at once.")
        message %= {"count": len(rows), "limit": MAX_ROWS}
        return [], ImportIssue(None, None, "", message, "too_many_rows")
    return rows, None


def _owner_membership_issues(parsed: list[PlanRow], positions: dict[str, int], directory: Directory):
    """Owners must belong to one of the task's units when several are named (each takes his unit's share)."""
    issues = []
    for row in parsed:
        if len(row.owners) < 2:
            continue
        for person in row.owners:
            if not any(person.pk in directory.unit_members.get(unit.pk, ()) for unit in row.units):
                issues.append(
                    ImportIssue(
                        row.row,
                        get_column_letter(positions["owner"] + 1),
                        COLUMN_BY_KEY["owner"].header,
                        _("%(name)s belongs to none of this key task's units.") % {"name": person.display_name},
                        "owner_not_member",
                    )
                )
    return issues


class RowReader:
    """Reads one data row: each cell checked, each problem named by row and column in `issues`."""

    def __init__(self, row_number: int, values: tuple, *, positions: dict[str, int], year: int, directory: Directory):
        self.row_number, self.values, self.positions = row_number, values, positions
        self.year, self.directory = year, directory
        self.issues: list[ImportIssue] = []

    def plan_row(self, first_row_of_number: dict[str, int]) -> PlanRow | None:
        """The row as a PlanRow, or None when it has problems (then in `issues`), checked in column order."""
        area = self.required_text("area", 50)
        number = self.number(first_row_of_number)
        title = self.required_text("title", 200)
        description = self.optional_text("description", 5000)
        lead_unit, lead_carries, cooperating = self.lead_unit()
        cooperating = self.cooperating_units(lead_unit, lead_carries, cooperating)
        leader_name = cell_text(self.cell("leader"))
        leader = self.one_person("leader", leader_name) if leader_name else None
        owners = self.owners()
        dates = self.dates()
        metric = self.optional_text("metric", 50)
        metric_unit = self.optional_text("metric_unit", 10)
        target = self.target(metric)
        weight = self.weight()
        cadence = self.cadence()
        if self.issues:
            return None
        return PlanRow(
            row=self.row_number,
            area=area,
            number=number,
            title=title,
            description=description,
            lead_unit=lead_unit,
            cooperating_units=cooperating,
            leader=leader,
            owners=owners,
            start=dates["start"],
            deadline=dates["deadline"],
            metric=metric,
            metric_unit=metric_unit,
            target=target.quantize(Decimal("0.01")) if target is not None else None,
            weight=weight,
            cadence=cadence,
            lead_carries=lead_carries,
        )

    # --- Cells and problems

    def cell(self, key: str):
        position = self.positions.get(key)
        return self.values[position] if position is not None and position < len(self.values) else None

    def problem(self, key: str, code: str, message: str) -> None:
        position = self.positions.get(key)
        column = get_column_letter(position + 1) if position is not None else None
        self.issues.append(ImportIssue(self.row_number, column, COLUMN_BY_KEY[key].header, message, code))

    def too_long(self, key: str, max_length: int) -> None:
        self.problem(key, "too_long", _("Too long: at most %(limit)d characters.") % {"limit": max_length})

    def required_text(self, key: str, max_length: int) -> str:
        text = cell_text(self.cell(key))
        if not text:
            self.problem(key, "required", _("This column is required."))
        elif len(text) > max_length:
            self.too_long(key, max_length)
        return text

    def optional_text(self, key: str, max_length: int) -> str:
        text = cell_text(self.cell(key))
        if len(text) > max_length:
            self.too_long(key, max_length)
        return text

    def names(self, key: str) -> list[str]:
        """The names of a cell that may hold several (、 , ; / or new lines between them)."""
        return [name.strip() for name in NAME_SEPARATORS.split(cell_text(self.cell(key))) if name.strip()]

    # --- Columns

    def number(self, first_row_of_number: dict[str, int]) -> str:
        number = number_text(self.cell("number"))
        if not number:
            self.problem("number", "required", _("This column is required."))
        elif len(number) > 20:
            self.too_long("number", 20)
        elif number in first_row_of_number:
            message = _("Number %(number)s is used twice: also in row %(row)d.")
            self.problem("number", "duplicate_number", message % {"number": number, "row": first_row_of_number[number]})
        else:
            first_row_of_number[number] = self.row_number
        return number

    def one_unit(self, key: str, name: str) -> OrgUnit | None:
        matches = _matches(self.directory.units, name)
        if not matches:
            message = _('No unit is called "%(name)s". Use a unit\'s full name or short name as kept in the system.')
            self.problem(key, "unknown_unit", message % {"name": name})
            return None
        if len(matches) > 1:
            message = _('"%(name)s" matches several units: use the full name.')
            self.problem(key, "ambiguous_unit", message % {"name": name})
            return None
        return matches[0]

    def one_person(self, key: str, name: str) -> User | None:
        matches = _matches(self.directory.people, name)
        if not matches:
            self.problem(key, "unknown_person", _('No user is called "%(name)s".') % {"name": name})
            return None
        if len(matches) > 1:
            message = _(
                '"%(name)s" matches several users: ask an administrator to tell them apart or use the login name.'
            )
            self.problem(key, "ambiguous_person", message % {"name": name})
            return None
        return matches[0]

    def every_branch(self, key: str) -> list[OrgUnit]:
        if not self.directory.branches:
            message = _("No unit is a party branch (党支部) yet, so “%(name)s” names nobody: list the units.")
            if self.directory.committees_below:
                message = _(
                    "“%(name)s” means the committee's own branches, and it has none: the branches of the committees "
                    "below it take the plan's key tasks through their committees. Name those committees."
                )
            self.problem(key, "no_branches", message % {"name": cell_text(self.cell(key))})
        return list(self.directory.branches)

    def lead_unit(self) -> tuple[OrgUnit | None, bool, list[OrgUnit]]:
        """The lead unit, whether it carries the task itself, and the units 牵头单位 already names as carrying it
        (各党支部: every branch carries it alike, and the committee at the top leads it)."""
        name = cell_text(self.cell("lead_unit"))
        if not name:
            self.problem("lead_unit", "required", _("This column is required."))
            return None, True, []
        if means_every_branch(name) and not self.directory.units.get(name):
            branches = self.every_branch("lead_unit")
            if len(self.directory.top_committees) == 1:
                return self.directory.top_committees[0], False, branches
            message = _(
                "“%(name)s” means every branch, but the system holds %(count)d top-level committees: name one "
                "lead unit, and put “%(name)s” under cooperating units."
            )
            values = {"name": name, "count": len(self.directory.top_committees)}
            self.problem("lead_unit", "no_single_committee", message % values)
            return None, False, branches
        if NAME_SEPARATORS.search(name):
            message = _("Only one lead unit per key task; put the others under cooperating units.")
            self.problem("lead_unit", "several_lead_units", message)
            return None, True, []
        return self.one_unit("lead_unit", name), True, []

    def cooperating_units(self, lead_unit: OrgUnit | None, lead_carries: bool, units: list) -> list[OrgUnit]:
        units = list(units)
        for name in self.names("cooperating_units"):
            if means_every_branch(name) and not self.directory.units.get(name):
                found = self.every_branch("cooperating_units")
            else:
                found = [self.one_unit("cooperating_units", name)]
            for unit in found:
                if unit is not None and (unit != lead_unit or not lead_carries) and unit not in units:
                    units.append(unit)
        return units

    def owners(self) -> list[User]:
        people = []
        for name in self.names("owner"):
            person = self.one_person("owner", name)
            if person is not None and person not in people:
                people.append(person)
        return people

    def dates(self) -> dict[str, dt.date]:
        dates = {}
        for key in ("start", "deadline"):
            raw = self.cell(key)
            if raw is None or cell_text(raw) == "":
                self.problem(key, "required", _("This column is required."))
                continue
            day = cell_date(raw, self.year)
            if day is None:
                message = _('"%(value)s" is not a date. Type a date such as 2023-03-31 or 2023/3/31.')
                self.problem(key, "bad_date", message % {"value": cell_text(raw)})
            else:
                dates[key] = day
        if "start" in dates and "deadline" in dates and dates["deadline"] < dates["start"]:
            message = _("The deadline %(deadline)s is before the start %(start)s.")
            values = {"deadline": dates["deadline"].isoformat(), "start": dates["start"].isoformat()}
            self.problem("deadline", "deadline_before_start", message % values)
        return dates

    def target(self, metric: str) -> Decimal | None:
        try:
            target = cell_decimal(self.cell("target"))
        except (InvalidOperation, ValueError):
            message = _('"%(value)s" is not a number. Type the number only; put its unit (次, 项) under metric unit.')
            self.problem("target", "bad_number", message % {"value": cell_text(self.cell("target"))})
            return None
        if target is not None and (target < 0 or target >= Decimal("1e10")):
            self.problem("target", "bad_number", _("The target must be a number from 0 up."))
            return None
        if target is not None and not metric:
            message = _("A target needs a metric: say what is counted (e.g. 中心组学习).")
            self.problem("metric", "target_without_metric", message)
        return target

    def weight(self) -> Decimal:
        try:
            typed = cell_decimal(self.cell("weight"))
        except (InvalidOperation, ValueError):
            message = _('"%(value)s" is not a number.') % {"value": cell_text(self.cell("weight"))}
            self.problem("weight", "bad_number", message)
            return Decimal(1)
        if typed is None:
            return Decimal(1)
        if typed <= 0 or typed >= Decimal("10000"):
            self.problem("weight", "bad_number", _("The weight must be a number greater than 0."))
            return Decimal(1)
        return typed.quantize(Decimal("0.01"))

    def cadence(self) -> str | None:
        text = cell_text(self.cell("cadence"))
        if not text:
            return KeyTask.Cadence.QUARTERLY
        cadence = CADENCES.get(text.lower().replace(" ", ""))
        if cadence is None:
            message = _('Unknown reporting cadence "%(value)s": use 每月, 每季度 or 一次.')
            self.problem("cadence", "unknown_cadence", message % {"value": text})
        return cadence
