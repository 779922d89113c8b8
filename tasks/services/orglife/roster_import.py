"""The roster from Excel (党员名册导入): the template's columns, every row checked before anything is written.

The file is opened as the plan import opens it (tasks.services.plan_import.workbook: size, zip-bomb and formula
checks), and a refusal lists every problem by row and column. A row whose name is already on the roster updates
that member, so importing the same file twice changes nothing.
"""

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tasks import access
from tasks.audit import Action, Result, audit_record
from tasks.models import OrgUnit, PartyGroup, PartyMember
from tasks.services.common import require
from tasks.services.orglife.roster import member_errors
from tasks.services.plan_import.cells import cell_date, cell_text
from tasks.services.plan_import.results import ImportIssue, PlanImportError
from tasks.services.plan_import.template import template_header
from tasks.services.plan_import.workbook import first_sheet_rows, read_bytes, sniff
from tasks.services.spreadsheet_text import write_text_cell

MAX_MEMBERS = 2000


@dataclass(frozen=True)
class RosterColumn:
    key: str
    header: str
    required: bool
    hint: str
    width: int


COLUMNS = (
    RosterColumn("name", "姓名", True, "同名党员请加以区分，如 张伟（2）", 14),
    RosterColumn("gender", "性别", True, "男 / 女", 8),
    RosterColumn("category", "类别", False, "正式党员 / 预备党员，空白为正式党员", 14),
    RosterColumn("party_group", "党小组", False, "须为本支部已建的党小组", 16),
    RosterColumn("joined_on", "入党时间", False, "如 2015-07-01", 14),
    RosterColumn("status", "状态", False, "在册 / 已转出 / 已去世，空白为在册", 12),
)
GENDERS = {"男": PartyMember.Gender.MALE, "女": PartyMember.Gender.FEMALE}
CATEGORIES = {"正式党员": PartyMember.Category.FULL, "正式": PartyMember.Category.FULL}
CATEGORIES |= {"预备党员": PartyMember.Category.PROBATIONARY, "预备": PartyMember.Category.PROBATIONARY}
STATUSES = {"在册": PartyMember.Status.ACTIVE, "已转出": PartyMember.Status.TRANSFERRED}
STATUSES |= {"转出": PartyMember.Status.TRANSFERRED, "已去世": PartyMember.Status.DECEASED}
STATUSES |= {"去世": PartyMember.Status.DECEASED}


@dataclass
class RosterImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def roster_template_workbook(*, unit: OrgUnit) -> bytes:
    """The template: Chinese headers, a hint row, drop-downs of genders, categories, the branch's groups."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    template_header(sheet, COLUMNS, hint_height=36)
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    groups = list(PartyGroup.objects.filter(unit=unit).values_list("name", flat=True)) or ["（请先在系统中建立党小组）"]
    for row, name in enumerate(groups, start=1):
        write_text_cell(lists.cell(row=row, column=1), name)  # group names are user text
    last = MAX_MEMBERS + 2
    for column_index, formula in (
        (2, '"男,女"'),
        (3, '"正式党员,预备党员"'),
        (4, f"选项!$A$1:$A${len(groups)}"),
        (6, '"在册,已转出,已去世"'),
    ):
        letter = get_column_letter(column_index)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{letter}3:{letter}{last}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_map(rows) -> tuple[int | None, dict[str, int]]:
    """The header row (within the first 5 rows) and each known column's position."""
    wanted = {column.header: column.key for column in COLUMNS}
    for row_number, values in rows[:5]:
        found = {}
        for position, value in enumerate(values):
            text = cell_text(value).rstrip("*").strip()
            if text in wanted:
                found[wanted[text]] = position
        if "name" in found:
            return row_number, found
    return None, {}


def roster_import(*, unit: OrgUnit, user, file, file_name: str = "") -> RosterImportResult:
    """Add or update the branch's members from the template. Raises PlanImportError listing every problem (then
    nothing is written); every import, accepted or refused, is audited."""
    require(access.can_keep_orglife(user, unit))
    name = (file_name or getattr(file, "name", "") or "")[:200]
    try:
        with transaction.atomic():
            result = _import(unit=unit, user=user, file=file, name=name)
    except PlanImportError as error:
        audit_record(
            action=Action.IMPORT,
            user=user,
            result=Result.FAILURE,
            obj=unit,
            detail={"roster": True, "file": name, "errors": len(error.issues)},
        )
        raise
    audit_record(
        action=Action.IMPORT,
        user=user,
        obj=unit,
        detail={"roster": True, "file": name, "created": len(result.created), "updated": len(result.updated)},
    )
    return result


def _import(*, unit: OrgUnit, user, file, name: str) -> RosterImportResult:
    rows, header_row, positions = _sheet(file, name)
    OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
    groups = {group.name: group for group in PartyGroup.objects.filter(unit=unit)}
    existing = {member.name.lower(): member for member in PartyMember.objects.filter(unit=unit)}
    hints = {column.hint for column in COLUMNS}
    issues, parsed, seen = [], [], {}
    for row_number, values in rows:
        if row_number <= header_row:
            continue
        line = _Line(row_number, values, positions)
        if cell_text(line.value("name")) in hints:
            continue  # the template's hint row
        parsed.append(_parse(line, unit=unit, groups=groups, existing=existing, seen=seen))
        issues.extend(line.issues)
    if len(parsed) > MAX_MEMBERS:
        raise PlanImportError(
            [ImportIssue(None, None, "", _("At most %(limit)d members at once.") % {"limit": MAX_MEMBERS}, "too_many")]
        )
    if issues:
        raise PlanImportError(issues)
    if not parsed:
        raise PlanImportError([ImportIssue(None, None, "", _("The file has no members below the header."), "empty")])
    return _write(parsed, unit=unit, user=user)


def _sheet(file, name: str) -> tuple[list, int, dict[str, int]]:
    """The first sheet's rows, the header's row number and each column's position, or the file's refusal."""
    content = read_bytes(file)
    refusal = sniff(content, name)
    if refusal:
        code, reason = refusal
        raise PlanImportError([ImportIssue(None, None, "", reason, code)])
    rows, issues = first_sheet_rows(content)
    if issues:
        raise PlanImportError(issues)
    header_row, positions = _header_map(rows)
    if header_row is None:
        raise PlanImportError(
            [ImportIssue(None, None, "", _("No header row with “姓名” found: use the roster template."), "no_header")]
        )
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise PlanImportError(
            [
                ImportIssue(
                    header_row, None, "", _("Missing column: %(columns)s.") % {"columns": "、".join(missing)}, "columns"
                )
            ]
        )
    return rows, header_row, positions


class _Line:
    """One row of the sheet: its values by column key, and its problems by column."""

    def __init__(self, row_number: int, values, positions: dict[str, int]):
        self.row_number, self.values, self.positions = row_number, values, positions
        self.issues: list[ImportIssue] = []

    def value(self, key):
        position = self.positions.get(key)
        return self.values[position] if position is not None and position < len(self.values) else None

    def problem(self, key, message) -> None:
        column = next(c for c in COLUMNS if c.key == key)
        letter = get_column_letter(self.positions[key] + 1) if key in self.positions else None
        self.issues.append(ImportIssue(self.row_number, letter, column.header, message, key))


def _parse(line: _Line, *, unit: OrgUnit, groups: dict, existing: dict, seen: dict) -> tuple:
    """A row's member (existing or None) and values; its problems go to `line.issues`."""
    member_name = " ".join(cell_text(line.value("name")).split())
    gender = GENDERS.get(cell_text(line.value("gender")), "")
    category_text = cell_text(line.value("category"))
    category = CATEGORIES.get(category_text, "") if category_text else PartyMember.Category.FULL
    status_text = cell_text(line.value("status"))
    status = STATUSES.get(status_text, "") if status_text else PartyMember.Status.ACTIVE
    group_text = cell_text(line.value("party_group"))
    group = groups.get(group_text) if group_text else None
    joined_raw = line.value("joined_on")
    joined_on = cell_date(joined_raw, 2000) if cell_text(joined_raw) else None
    if group_text and group is None:
        line.problem(
            "party_group",
            _("“%(group)s” is not a party group of this branch: create it first, or correct the name.")
            % {"group": group_text},
        )
    if cell_text(joined_raw) and joined_on is None:
        line.problem("joined_on", _("“%(value)s” is not a date such as 2015-07-01.") % {"value": cell_text(joined_raw)})
    if not gender:
        line.problem("gender", _("Write 男 or 女."))
    if not category:
        line.problem("category", _("Write 正式党员 or 预备党员."))
    if not status:
        line.problem("status", _("Write 在册, 已转出 or 已去世."))
    if member_name and member_name.lower() in seen:
        line.problem(
            "name", _("“%(name)s” is also in row %(row)d.") % {"name": member_name, "row": seen[member_name.lower()]}
        )
    seen.setdefault(member_name.lower(), line.row_number)
    member = existing.get(member_name.lower())
    errors = member_errors(
        unit=unit,
        name=member_name,
        gender=gender or PartyMember.Gender.MALE,
        category=category or PartyMember.Category.FULL,
        party_group=group,
        joined_on=joined_on,
        status=status or PartyMember.Status.ACTIVE,
        account=None,
        member=member,
    )
    for key, messages in errors.items():
        for message in messages:
            line.problem(key, message)
    return member, member_name, gender, category, group, joined_on, status


def _write(parsed: list[tuple], *, unit: OrgUnit, user) -> RosterImportResult:
    """Create the new members and update the changed ones (each with its change record); name each outcome."""
    result = RosterImportResult(rows=len(parsed))
    for member, member_name, gender, category, group, joined_on, status in parsed:
        values = {
            "name": member_name,
            "gender": gender,
            "category": category,
            "party_group": group,
            "joined_on": joined_on,
            "status": status,
        }
        if member is None:
            member = PartyMember(unit=unit, **values)
            result.created.append(member_name)
        elif all(getattr(member, key) == new for key, new in values.items()):
            result.unchanged.append(member_name)
            continue
        else:
            for key, new in values.items():
                setattr(member, key, new)
            member.version += 1
            result.updated.append(member_name)
        member._history_user = user
        member.save()
    return result
