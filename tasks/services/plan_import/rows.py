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
    issues: list[ImportIssue] = []
    header = _find_header(sheet_rows)
    if header is None:
        expected = "、".join(column.header for column in COLUMNS if column.required)
        return [], [
            ImportIssue(
                None,
                None,
                "",
                _(
                    "No header row found. The first rows must hold the column names of the template, at least: %(names)s."  # noqa: E501 - one translatable sentence
                )
                % {"names": expected},
                "no_header",
            )
        ]
    header_index, positions = header
    missing = [column for column in COLUMNS if column.required and column.key not in positions]
    for column in missing:
        issues.append(
            ImportIssue(
                sheet_rows[header_index][0],
                None,
                column.header,
                _('The required column "%(name)s" is missing.') % {"name": column.header},
                "missing_column",
            )
        )
    if missing:
        return [], issues

    data_rows = sheet_rows[header_index + 1 :]
    if data_rows and _is_hint_row(data_rows[0][1]):
        data_rows = data_rows[1:]
    if not data_rows:
        return [], [ImportIssue(None, None, "", _("The file has no key tasks below the header row."), "empty")]
    if len(data_rows) > MAX_ROWS:
        message = _("The file has %(count)d rows; at most %(limit)d can be imported at once.")
        message %= {"count": len(data_rows), "limit": MAX_ROWS}
        return [], [ImportIssue(None, None, "", message, "too_many_rows")]

    parsed: list[PlanRow] = []
    first_row_of_number: dict[str, int] = {}
    for row_number, values in data_rows:
        row_issues: list[ImportIssue] = []

        def cell(key, values=values):
            position = positions.get(key)
            return values[position] if position is not None and position < len(values) else None

        def problem(key, code, message, row_number=row_number, row_issues=row_issues):
            position = positions.get(key)
            row_issues.append(
                ImportIssue(
                    row_number,
                    get_column_letter(position + 1) if position is not None else None,
                    COLUMN_BY_KEY[key].header,
                    message,
                    code,
                )
            )

        def required_text(key, max_length):
            text = cell_text(cell(key))
            if not text:
                problem(key, "required", _("This column is required."))
            elif len(text) > max_length:
                problem(key, "too_long", _("Too long: at most %(limit)d characters.") % {"limit": max_length})
            return text

        def optional_text(key, max_length):
            text = cell_text(cell(key))
            if len(text) > max_length:
                problem(key, "too_long", _("Too long: at most %(limit)d characters.") % {"limit": max_length})
            return text

        def every_branch(key):
            if not directory.branches:
                message = _("No unit is a party branch (党支部) yet, so “%(name)s” names nobody: list the units.")
                problem(key, "no_branches", message % {"name": cell_text(cell(key))})
            return list(directory.branches)

        def one_unit(key, name):
            matches = _matches(directory.units, name)
            if not matches:
                message = _(
                    'No unit is called "%(name)s". Use a unit\'s full name or short name as kept in the system.'
                )
                problem(key, "unknown_unit", message % {"name": name})
                return None
            if len(matches) > 1:
                message = _('"%(name)s" matches several units: use the full name.')
                problem(key, "ambiguous_unit", message % {"name": name})
                return None
            return matches[0]

        def one_person(key, name):
            matches = _matches(directory.people, name)
            if not matches:
                problem(key, "unknown_person", _('No user is called "%(name)s".') % {"name": name})
                return None
            if len(matches) > 1:
                message = _(
                    '"%(name)s" matches several users: ask an administrator to tell them apart or use the login name.'
                )
                problem(key, "ambiguous_person", message % {"name": name})
                return None
            return matches[0]

        area = required_text("area", 50)
        number = number_text(cell("number"))
        if not number:
            problem("number", "required", _("This column is required."))
        elif len(number) > 20:
            problem("number", "too_long", _("Too long: at most %(limit)d characters.") % {"limit": 20})
        elif number in first_row_of_number:
            problem(
                "number",
                "duplicate_number",
                _("Number %(number)s is used twice: also in row %(row)d.")
                % {"number": number, "row": first_row_of_number[number]},
            )
        else:
            first_row_of_number[number] = row_number
        title = required_text("title", 200)
        description = optional_text("description", 5000)

        lead_name = cell_text(cell("lead_unit"))
        lead_unit = None
        lead_carries = True
        cooperating = []
        if not lead_name:
            problem("lead_unit", "required", _("This column is required."))
        elif means_every_branch(lead_name) and not directory.units.get(lead_name):
            # 牵头单位 各党支部: every branch carries it alike, and the committee at the top leads it.
            lead_carries = False
            cooperating = every_branch("lead_unit")
            if len(directory.top_committees) == 1:
                lead_unit = directory.top_committees[0]
            else:
                message = _(
                    "“%(name)s” means every branch, but the system holds %(count)d top-level committees: name one "
                    "lead unit, and put “%(name)s” under cooperating units."
                )
                problem(
                    "lead_unit",
                    "no_single_committee",
                    message % {"name": lead_name, "count": len(directory.top_committees)},
                )
        elif NAME_SEPARATORS.search(lead_name):
            message = _("Only one lead unit per key task; put the others under cooperating units.")
            problem("lead_unit", "several_lead_units", message)
        else:
            lead_unit = one_unit("lead_unit", lead_name)
        for name in NAME_SEPARATORS.split(cell_text(cell("cooperating_units"))):
            name = name.strip()
            if not name:
                continue
            if means_every_branch(name) and not directory.units.get(name):
                found = every_branch("cooperating_units")
            else:
                found = [one_unit("cooperating_units", name)]
            for unit in found:
                if unit is not None and (unit != lead_unit or not lead_carries) and unit not in cooperating:
                    cooperating.append(unit)

        leader_name = cell_text(cell("leader"))
        leader = one_person("leader", leader_name) if leader_name else None
        owners = []
        for name in NAME_SEPARATORS.split(cell_text(cell("owner"))):
            name = name.strip()
            if name:
                person = one_person("owner", name)
                if person is not None and person not in owners:
                    owners.append(person)

        dates = {}
        for key in ("start", "deadline"):
            raw = cell(key)
            if raw is None or cell_text(raw) == "":
                problem(key, "required", _("This column is required."))
                continue
            day = cell_date(raw, year)
            if day is None:
                problem(
                    key,
                    "bad_date",
                    _('"%(value)s" is not a date. Type a date such as 2023-03-31 or 2023/3/31.')
                    % {"value": cell_text(raw)},
                )
            else:
                dates[key] = day
        if "start" in dates and "deadline" in dates and dates["deadline"] < dates["start"]:
            problem(
                "deadline",
                "deadline_before_start",
                _("The deadline %(deadline)s is before the start %(start)s.")
                % {"deadline": dates["deadline"].isoformat(), "start": dates["start"].isoformat()},
            )

        metric = optional_text("metric", 50)
        metric_unit = optional_text("metric_unit", 10)
        target = None
        try:
            target = cell_decimal(cell("target"))
            if target is not None and (target < 0 or target >= Decimal("1e10")):
                problem("target", "bad_number", _("The target must be a number from 0 up."))
                target = None
            elif target is not None and not metric:
                message = _("A target needs a metric: say what is counted (e.g. 中心组学习).")
                problem("metric", "target_without_metric", message)
        except (InvalidOperation, ValueError):
            message = _('"%(value)s" is not a number. Type the number only; put its unit (次, 项) under metric unit.')
            problem("target", "bad_number", message % {"value": cell_text(cell("target"))})
        weight = Decimal(1)
        try:
            typed = cell_decimal(cell("weight"))
            if typed is not None:
                if typed <= 0 or typed >= Decimal("10000"):
                    problem("weight", "bad_number", _("The weight must be a number greater than 0."))
                else:
                    weight = typed.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            problem("weight", "bad_number", _('"%(value)s" is not a number.') % {"value": cell_text(cell("weight"))})
        cadence_text = cell_text(cell("cadence"))
        cadence = KeyTask.Cadence.QUARTERLY
        if cadence_text:
            cadence = CADENCES.get(cadence_text.lower().replace(" ", ""))
            if cadence is None:
                message = _('Unknown reporting cadence "%(value)s": use 每月, 每季度 or 一次.')
                problem("cadence", "unknown_cadence", message % {"value": cadence_text})

        issues.extend(row_issues)
        if not row_issues:
            parsed.append(
                PlanRow(
                    row=row_number,
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
            )
    # Owners must belong to one of the task's units when several are named (each takes his unit's share).
    if not issues:
        for row in parsed:
            if len(row.owners) > 1:
                for person in row.owners:
                    if not any(person.pk in directory.unit_members.get(unit.pk, ()) for unit in row.units):
                        position = positions["owner"]
                        issues.append(
                            ImportIssue(
                                row.row,
                                get_column_letter(position + 1),
                                COLUMN_BY_KEY["owner"].header,
                                _("%(name)s belongs to none of this key task's units.") % {"name": person.display_name},
                                "owner_not_member",
                            )
                        )
    return parsed, issues
