"""Import the annual plan (年度党建工作要点 / 任务清单) from an Excel workbook typed by hand.

One row is one key task. Every row is checked before anything is written; any error refuses the whole
file, and every error is reported with its row, its column and an explanation. Importing the same file
twice changes nothing; a corrected file updates key tasks by their number.

The headers and the template's explanation row are Chinese constants, not translated strings: they are
the file format that users type against, like a column name (the importer matches them).
"""

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from tasks import access
from tasks.models import AnnualPlan, Area, Assignment, KeyTask, Membership, OrgUnit, User
from tasks.services.audit import Action, Result, audit_record
from tasks.services.common import require

MAX_BYTES = getattr(settings, "PLAN_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_ROWS = getattr(settings, "PLAN_IMPORT_MAX_ROWS", 5000)
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    hint: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14


COLUMNS = [
    Column(
        "area",
        "工作方面",
        "必填。从下拉列表选择，或填写本年度新增的方面",
        ("方面", "类别", "工作类别"),
        required=True,
        width=14,
    ),
    Column(
        "number", "序号", "必填。如 2.3，同一文件内不得重复", ("编号", "任务编号", "任务序号"), required=True, width=8
    ),
    Column(
        "title",
        "重点任务",
        "必填。不超过200字",
        ("任务名称", "重点任务名称", "工作任务", "任务"),
        required=True,
        width=36,
    ),
    Column(
        "description", "具体内容", "选填。任务的具体要求", ("任务描述", "工作内容", "具体措施", "主要内容"), width=48
    ),
    Column(
        "lead_unit",
        "牵头单位",
        "必填。单位全称或简称，从下拉列表选择",
        ("牵头部门", "责任单位"),
        required=True,
        width=18,
    ),
    Column("cooperating_units", "配合单位", "选填。多个单位用顿号“、”分隔", ("配合部门", "协同单位"), width=28),
    Column("leader", "责任领导", "选填。姓名", ("分管领导",), width=10),
    Column("owner", "责任人", "选填。姓名；多人用顿号分隔，各自承办所在单位的任务", ("具体责任人", "联系人"), width=12),
    Column("start", "开始时间", "必填。日期，如 2023-01-03", ("开始日期", "起始时间"), required=True, width=12),
    Column(
        "deadline",
        "完成时限",
        "必填。日期，不早于开始时间",
        ("截止时间", "完成时间", "截止日期", "完成期限"),
        required=True,
        width=12,
    ),
    Column("metric", "量化指标", "选填。如 中心组学习", ("指标", "指标名称", "量化指标名称"), width=14),
    Column("metric_unit", "计量单位", "选填。如 次、项、篇", ("单位（计量）", "指标单位"), width=8),
    Column("target", "目标值", "选填。非负数；有目标值时须填写量化指标", ("目标", "目标数", "指标值"), width=8),
    Column("weight", "权重", "选填。正数，默认 1", (), width=6),
    Column(
        "cadence",
        "反馈频次",
        "选填。每月、每季度或一次，默认每季度",
        ("报送频次", "反馈周期", "进展反馈频次"),
        width=10,
    ),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

DEFAULT_AREAS = [
    (Area.Code.POLITICAL, "政治建设"),
    (Area.Code.IDEOLOGICAL, "思想建设"),
    (Area.Code.ORGANIZATIONAL, "组织建设"),
    (Area.Code.DISCIPLINE, "纪律作风建设"),
]
AREA_CODES = {
    "政治建设": Area.Code.POLITICAL,
    "党的政治建设": Area.Code.POLITICAL,
    "思想建设": Area.Code.IDEOLOGICAL,
    "党的思想建设": Area.Code.IDEOLOGICAL,
    "组织建设": Area.Code.ORGANIZATIONAL,
    "党的组织建设": Area.Code.ORGANIZATIONAL,
    "纪律作风建设": Area.Code.DISCIPLINE,
    "纪律建设": Area.Code.DISCIPLINE,
    "作风建设": Area.Code.DISCIPLINE,
    "党的纪律建设": Area.Code.DISCIPLINE,
}
CADENCE_CHOICES = ["每月", "每季度", "一次"]
CADENCES = {
    "每月": KeyTask.Cadence.MONTHLY,
    "按月": KeyTask.Cadence.MONTHLY,
    "月度": KeyTask.Cadence.MONTHLY,
    "每月一次": KeyTask.Cadence.MONTHLY,
    "月": KeyTask.Cadence.MONTHLY,
    "monthly": KeyTask.Cadence.MONTHLY,
    "每季度": KeyTask.Cadence.QUARTERLY,
    "按季度": KeyTask.Cadence.QUARTERLY,
    "季度": KeyTask.Cadence.QUARTERLY,
    "按季": KeyTask.Cadence.QUARTERLY,
    "每季": KeyTask.Cadence.QUARTERLY,
    "每季度一次": KeyTask.Cadence.QUARTERLY,
    "quarterly": KeyTask.Cadence.QUARTERLY,
    "一次": KeyTask.Cadence.ONCE,
    "一次性": KeyTask.Cadence.ONCE,
    "办结时": KeyTask.Cadence.ONCE,
    "完成时": KeyTask.Cadence.ONCE,
    "once": KeyTask.Cadence.ONCE,
}
NAME_SEPARATORS = re.compile(r"[、，,;；/\n\r\t]+|\s{2,}")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_DAY_TEXT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


# --- Results ---------------------------------------------------------------------------------------


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
class PlanImportResult:
    plan: AnnualPlan | None
    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)  # key-task numbers
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class _Row:
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

    @property
    def units(self) -> list[OrgUnit]:
        return [self.lead_unit, *self.cooperating_units]


# --- The template ----------------------------------------------------------------------------------


def plan_template_workbook() -> bytes:
    """The template: Chinese headers, an explanation row, and drop-down lists of areas, units and cadences."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务清单"
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"

    header_font = Font(name="黑体", bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="B22222")
    hint_font = Font(name="宋体", italic=True, color="666666", size=9)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        hint = sheet.cell(row=2, column=index, value=column.hint)
        hint.font, hint.alignment = hint_font, Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[2].height = 48
    sheet.freeze_panes = "A3"

    units = list(OrgUnit.objects.filter(is_active=True).order_by("sort_order", "name").values_list("name", flat=True))
    options = {
        "area": [name for _, name in DEFAULT_AREAS],
        "unit": units or ["（请先在系统中维护单位）"],
        "cadence": CADENCE_CHOICES,
    }
    for list_index, (name, values) in enumerate(options.items(), start=1):
        letter = get_column_letter(list_index)
        lists.cell(row=1, column=list_index, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=list_index, value=value)
        options[name] = f"选项!${letter}$2:${letter}${len(values) + 1}"

    def letter_of(key: str) -> str:
        return get_column_letter([column.key for column in COLUMNS].index(key) + 1)

    last = MAX_ROWS + 2
    # An area not in the list is allowed (a plan may add its own), so that list only warns.
    area_list = DataValidation(
        type="list",
        formula1=options["area"],
        allow_blank=True,
        errorStyle="warning",
        error="不在常用方面列表中，确认要新增此方面吗？",
        errorTitle="工作方面",
    )
    unit_list = DataValidation(
        type="list",
        formula1=options["unit"],
        allow_blank=True,
        error="请从列表中选择系统中已有的单位。",
        errorTitle="牵头单位",
    )
    cadence_list = DataValidation(
        type="list",
        formula1=options["cadence"],
        allow_blank=True,
        error="请选择：每月、每季度或一次。",
        errorTitle="反馈频次",
    )
    date_rule = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",
        allow_blank=True,
        error="请输入日期，如 2023-03-31。",
        errorTitle="日期",
    )
    for validation in (area_list, unit_list, cadence_list, date_rule):
        validation.showErrorMessage = True
    for validation, keys in (
        (area_list, ["area"]),
        (unit_list, ["lead_unit"]),
        (cadence_list, ["cadence"]),
        (date_rule, ["start", "deadline"]),
    ):
        sheet.add_data_validation(validation)
        for key in keys:
            validation.add(f"{letter_of(key)}3:{letter_of(key)}{last}")
    # Excel turns a typed 2.10 into the number 2.1: the number column is text.
    for row in range(3, 203):
        sheet[f"{letter_of('number')}{row}"].number_format = "@"
        for key in ("start", "deadline"):
            sheet[f"{letter_of(key)}{row}"].number_format = "yyyy-mm-dd"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading the file ------------------------------------------------------------------------------


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(MAX_BYTES + 1)


def _sniff(content: bytes, name: str) -> tuple[str, str] | None:
    """(code, explanation) of why these bytes are not an .xlsx workbook, or None when they look like one."""
    if not content:
        return "empty", _("The file is empty.")
    if len(content) > MAX_BYTES:
        message = _("The file is larger than %(size)d MB. Split the plan or remove pictures and other sheets.")
        return "too_large", message % {"size": MAX_BYTES // (1024 * 1024)}
    if content.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in content or b"EncryptionInfo" in content.replace(b"\x00", b""):
            return "encrypted", _(
                "The workbook is protected with a password. Remove the password in Excel or WPS "
                "(File > Info > Protect Workbook) and upload it again."
            )
        return "xls", _(
            "This is an old-format Excel file (.xls). Open it in Excel or WPS and save it as "
            '"Excel Workbook (*.xlsx)", then upload the .xlsx file.'
        )
    if not content.startswith(ZIP_MAGIC):
        head = content[:2048]
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = head.decode("gb18030")
            except UnicodeDecodeError:
                text = ""
        if text and ("," in text or "\t" in text):
            return "csv", _(
                "This is a CSV or text file renamed to .xlsx. Open it in Excel or WPS and save it as "
                '"Excel Workbook (*.xlsx)".'
            )
        return "not_xlsx", _("This file is not an Excel workbook (.xlsx). Use the import template.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "unreadable", _(
            "The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again and upload it."
        )
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return "not_xlsx", _("This is a Word document, not an Excel workbook. Use the import template.")
        return "not_xlsx", _("This file is not an Excel workbook (.xlsx). Use the import template.")
    return None


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


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _number_text(value) -> str:
    """A key-task number as typed: "2.3". Excel may have stored it as the number 2.3."""
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return _text(value).replace("．", ".").rstrip(".")


def _date(value, year: int) -> dt.date | None:
    """A date typed as a date, as text (2023-03-31, 2023/3/31, 2023年3月31日, 3月31日) or as an Excel serial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # 1954..2119: a serial day number in a cell formatted as General
            return from_excel(value).date()
        return None
    text = _text(value)
    match = DATE_TEXT.match(text)
    if match:
        parts = [int(part) for part in match.groups()]
    else:
        match = MONTH_DAY_TEXT.match(text)
        if not match:
            return None
        parts = [year, *(int(part) for part in match.groups())]
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = _text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    return number


class _Directory:
    """Units and people by name, loaded once; a name must match exactly one."""

    def __init__(self):
        self.units: dict[str, list[OrgUnit]] = {}
        for unit in OrgUnit.objects.filter(is_active=True):
            for name in {unit.name, unit.short_name} - {""}:
                self.units.setdefault(name, []).append(unit)
        self.people: dict[str, list[User]] = {}
        for user in User.objects.filter(is_active=True):
            for name in {user.full_name, user.username} - {""}:
                self.people.setdefault(name, []).append(user)
        self.unit_members: dict[int, set[int]] = {}
        self.secretaries: dict[int, int] = {}
        ranks = {Membership.Role.SECRETARY: 0, Membership.Role.WORKER: 1}
        best: dict[int, tuple[int, int]] = {}
        for unit_id, user_id, role in (
            Membership.objects.filter(user__is_active=True).values_list("unit_id", "user_id", "role").order_by("id")
        ):
            self.unit_members.setdefault(unit_id, set()).add(user_id)
            if role in ranks and (unit_id not in best or ranks[role] < best[unit_id][0]):
                best[unit_id] = (ranks[role], user_id)
        self.secretaries = {unit_id: user_id for unit_id, (_, user_id) in best.items()}


def _matches(candidates: dict, name: str) -> list:
    return list({item.pk: item for item in candidates.get(name, [])}.values())


def _parse_rows(
    sheet_rows: list[tuple[int, tuple]], *, year: int, directory: _Directory
) -> tuple[list[_Row], list[ImportIssue]]:
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

    parsed: list[_Row] = []
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
            text = _text(cell(key))
            if not text:
                problem(key, "required", _("This column is required."))
            elif len(text) > max_length:
                problem(key, "too_long", _("Too long: at most %(limit)d characters.") % {"limit": max_length})
            return text

        def optional_text(key, max_length):
            text = _text(cell(key))
            if len(text) > max_length:
                problem(key, "too_long", _("Too long: at most %(limit)d characters.") % {"limit": max_length})
            return text

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
        number = _number_text(cell("number"))
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

        lead_name = _text(cell("lead_unit"))
        lead_unit = None
        if not lead_name:
            problem("lead_unit", "required", _("This column is required."))
        elif NAME_SEPARATORS.search(lead_name):
            message = _("Only one lead unit per key task; put the others under cooperating units.")
            problem("lead_unit", "several_lead_units", message)
        else:
            lead_unit = one_unit("lead_unit", lead_name)
        cooperating = []
        for name in NAME_SEPARATORS.split(_text(cell("cooperating_units"))):
            name = name.strip()
            if name:
                unit = one_unit("cooperating_units", name)
                if unit is not None and unit != lead_unit and unit not in cooperating:
                    cooperating.append(unit)

        leader_name = _text(cell("leader"))
        leader = one_person("leader", leader_name) if leader_name else None
        owners = []
        for name in NAME_SEPARATORS.split(_text(cell("owner"))):
            name = name.strip()
            if name:
                person = one_person("owner", name)
                if person is not None and person not in owners:
                    owners.append(person)

        dates = {}
        for key in ("start", "deadline"):
            raw = cell(key)
            if raw is None or _text(raw) == "":
                problem(key, "required", _("This column is required."))
                continue
            day = _date(raw, year)
            if day is None:
                problem(
                    key,
                    "bad_date",
                    _('"%(value)s" is not a date. Type a date such as 2023-03-31 or 2023/3/31.')
                    % {"value": _text(raw)},
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
            target = _decimal(cell("target"))
            if target is not None and (target < 0 or target >= Decimal("1e10")):
                problem("target", "bad_number", _("The target must be a number from 0 up."))
                target = None
            elif target is not None and not metric:
                message = _("A target needs a metric: say what is counted (e.g. 中心组学习).")
                problem("metric", "target_without_metric", message)
        except (InvalidOperation, ValueError):
            message = _('"%(value)s" is not a number. Type the number only; put its unit (次, 项) under metric unit.')
            problem("target", "bad_number", message % {"value": _text(cell("target"))})
        weight = Decimal(1)
        try:
            typed = _decimal(cell("weight"))
            if typed is not None:
                if typed <= 0 or typed >= Decimal("10000"):
                    problem("weight", "bad_number", _("The weight must be a number greater than 0."))
                else:
                    weight = typed.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            problem("weight", "bad_number", _('"%(value)s" is not a number.') % {"value": _text(cell("weight"))})
        cadence_text = _text(cell("cadence"))
        cadence = KeyTask.Cadence.QUARTERLY
        if cadence_text:
            cadence = CADENCES.get(cadence_text.lower().replace(" ", ""))
            if cadence is None:
                message = _('Unknown reporting cadence "%(value)s": use 每月, 每季度 or 一次.')
                problem("cadence", "unknown_cadence", message % {"value": cadence_text})

        issues.extend(row_issues)
        if not row_issues:
            parsed.append(
                _Row(
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


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_rows(content: bytes) -> tuple[list[tuple[int, tuple]], list[ImportIssue]]:
    """The first sheet's non-empty rows as (row number, values), and an issue for every formula: a
    formula's result is only what the program that saved the file last computed, if anything."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        return [], [
            ImportIssue(
                None,
                None,
                "",
                _("The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again and upload it."),
                "unreadable",
            )
        ]
    try:
        sheet = workbook.worksheets[0]
        rows, issues = [], []
        for row_index, row in enumerate(sheet.iter_rows(), start=1):
            values = []
            for position, cell in enumerate(row, start=1):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    issues.append(
                        ImportIssue(
                            row_index,
                            get_column_letter(position),
                            "",
                            _("This cell holds a formula. Copy the sheet and paste it as values only, then import."),
                            "formula",
                        )
                    )
                    value = None
                values.append(value)
            if not all(_is_blank(value) for value in values):
                rows.append((row_index, tuple(values)))
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                return [], [
                    ImportIssue(
                        None,
                        None,
                        "",
                        _("The file has more than %(limit)d rows; at most %(limit)d can be imported at once.")
                        % {"limit": MAX_ROWS},
                        "too_many_rows",
                    )
                ]
        return rows, issues
    finally:
        workbook.close()


# --- Writing ---------------------------------------------------------------------------------------


def _key_task_fields(row: _Row, area: Area) -> dict:
    return {
        "area": area,
        "title": row.title,
        "description": row.description,
        "lead_unit": row.lead_unit,
        "responsible_leader": row.leader,
        "start_date": row.start,
        "deadline": row.deadline,
        "metric_name": row.metric,
        "metric_unit": row.metric_unit,
        "target_value": row.target,
        "weight": row.weight,
        "cadence": row.cadence,
    }


def _owner_by_unit(row: _Row, directory: _Directory) -> dict[int, int | None]:
    """Who owns each unit's assignment: a named owner of that unit, else its secretary (or worker).
    A single named owner who belongs to none of the units owns the lead unit's assignment."""
    owners: dict[int, int | None] = {}
    for unit in row.units:
        named = [person.pk for person in row.owners if person.pk in directory.unit_members.get(unit.pk, ())]
        owners[unit.pk] = named[0] if named else None
    if len(row.owners) == 1 and row.owners[0].pk not in owners.values():
        owners[row.lead_unit.pk] = row.owners[0].pk
    return owners


def _differs(instance, values: dict) -> bool:
    for name, value in values.items():
        current = getattr(instance, name)
        if isinstance(current, Decimal) and value is not None:
            if current != Decimal(value):
                return True
        elif current != value:
            return True
    return False


def _apply(plan: AnnualPlan, rows: list[_Row], directory: _Directory, result: PlanImportResult, dry_run: bool):
    areas = {area.name: area for area in plan.areas.all()} if plan.pk else {}
    next_order = max((area.sort_order for area in areas.values()), default=0) + 1
    existing = (
        {
            task.number: task
            for task in plan.key_tasks.select_related("area").prefetch_related("cooperating_units", "assignments")
        }
        if plan.pk
        else {}
    )
    default_order = {name: order for order, (_, name) in enumerate(DEFAULT_AREAS, start=1)}
    for row in rows:
        area = areas.get(row.area)
        if area is None:
            area = Area(
                plan=plan,
                name=row.area,
                code=AREA_CODES.get(row.area, Area.Code.OTHER),
                sort_order=default_order.get(row.area, max(next_order, len(DEFAULT_AREAS) + 1)),
            )
            next_order = max(next_order, area.sort_order) + 1
            if not dry_run:
                area.save()
            areas[row.area] = area
        fields = _key_task_fields(row, area)
        key_task = existing.get(row.number)
        owners = _owner_by_unit(row, directory)
        if key_task is None:
            result.created.append(row.number)
            if dry_run:
                continue
            key_task = KeyTask.objects.create(plan=plan, number=row.number, **fields)
            key_task.cooperating_units.set(row.cooperating_units)
            for unit in row.units:
                Assignment.objects.create(
                    key_task=key_task,
                    unit=unit,
                    deadline=row.deadline,
                    owner_id=owners[unit.pk] or directory.secretaries.get(unit.pk),
                    weight=Decimal(2 if unit == row.lead_unit else 1),
                )
            continue

        changed = key_task.area_id != area.pk or _differs(
            key_task, {name: value for name, value in fields.items() if name != "area"}
        )
        if {unit.pk for unit in key_task.cooperating_units.all()} != {unit.pk for unit in row.cooperating_units}:
            changed = True
        assignments = {assignment.unit_id: assignment for assignment in key_task.assignments.all()}
        old_deadline = key_task.deadline
        assignment_changes: list[tuple[Assignment | None, object, dict]] = []
        for unit in row.units:
            assignment = assignments.get(unit.pk)
            if assignment is None:
                assignment_changes.append((None, unit, {}))
                continue
            updates = {}
            if owners[unit.pk] and assignment.owner_id != owners[unit.pk]:
                updates["owner_id"] = owners[unit.pk]
            # A deadline nobody extended follows the key task's; an extended one stays where it was moved.
            if (
                row.deadline != old_deadline
                and assignment.deadline == old_deadline
                and assignment.original_deadline == old_deadline
            ):
                updates["deadline"] = updates["original_deadline"] = row.deadline
            if updates:
                assignment_changes.append((assignment, unit, updates))
        listed = {unit.pk for unit in row.units}
        for unit_id, assignment in assignments.items():
            if unit_id not in listed:
                result.notes.append(
                    _("Key task %(number)s: the unit %(unit)s is no longer listed; its assignment was kept.")
                    % {"number": row.number, "unit": assignment.unit}
                )
        if not changed and not assignment_changes:
            result.unchanged.append(row.number)
            continue
        result.updated.append(row.number)
        if dry_run:
            continue
        for name, value in fields.items():
            setattr(key_task, name, value)
        key_task.save()
        key_task.cooperating_units.set(row.cooperating_units)
        for assignment, unit, updates in assignment_changes:
            if assignment is None:
                Assignment.objects.create(
                    key_task=key_task,
                    unit=unit,
                    deadline=row.deadline,
                    owner_id=owners[unit.pk] or directory.secretaries.get(unit.pk),
                    weight=Decimal(2 if unit == row.lead_unit else 1),
                )
                continue
            for name, value in updates.items():
                setattr(assignment, name, value)
            # Optimistic locking: a reviewer or reporter holding the old version must reload.
            assignment.version += 1
            assignment.save(update_fields=[*updates.keys(), "version"])


def plan_import(*, file, year: int, user=None, dry_run: bool = False, file_name: str = "") -> PlanImportResult:
    """Validate every row of the workbook, then (unless `dry_run`) create or update the plan of `year`.

    `user` is the committee member importing from the web; the command line passes None (whoever runs
    commands on the server is trusted). Raises PlanImportError, listing every problem, when the file is
    refused: then nothing has been written. Every real import, accepted or refused, is audited."""
    name = file_name or getattr(file, "name", "") or ""
    try:
        result = _plan_import(file=file, year=year, user=user, dry_run=dry_run, name=name)
    except PlanImportError as error:
        if not dry_run:
            audit_record(
                action=Action.IMPORT,
                user=user,
                result=Result.FAILURE,
                object_type="tasks.annualplan",
                detail={"year": year, "file": name[:200], "errors": len(error.issues)},
            )
        raise
    if not dry_run:
        audit_record(
            action=Action.IMPORT,
            user=user,
            obj=result.plan,
            detail={"year": year, "file": name[:200], "created": len(result.created), "updated": len(result.updated)},
        )
    return result


def _plan_import(*, file, year: int, user, dry_run: bool, name: str) -> PlanImportResult:
    if user is not None:
        require(access.is_committee(user))
    content = _read_bytes(file)
    refusal = _sniff(content, name)
    if refusal:
        code, reason = refusal
        raise PlanImportError([ImportIssue(None, None, "", reason, code)])
    sheet_rows, issues = _sheet_rows(content)
    if issues:
        raise PlanImportError(issues)
    plan = AnnualPlan.objects.filter(year=year).first()
    if plan is not None and plan.status == AnnualPlan.Status.CLOSED:
        raise PlanImportError(
            [
                ImportIssue(
                    None,
                    None,
                    "",
                    _("The %(year)d plan is closed: it can no longer be changed by an import.") % {"year": year},
                    "plan_closed",
                )
            ]
        )
    directory = _Directory()
    rows, issues = _parse_rows(sheet_rows, year=year, directory=directory)
    if issues:
        raise PlanImportError(issues)

    result = PlanImportResult(plan=plan, dry_run=dry_run, rows=len(rows))
    if dry_run:
        _apply(plan or AnnualPlan(year=year), rows, directory, result, dry_run=True)
        return result
    with transaction.atomic():
        if plan is None:
            plan = AnnualPlan.objects.create(year=year, title=f"{year}年度党建工作要点", status=AnnualPlan.Status.DRAFT)
        else:
            plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        result.plan = plan
        _apply(plan, rows, directory, result, dry_run=False)
    return result
