"""The import template: the workbook users download, fill in and import."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tasks import access
from tasks.models import OrgUnit
from tasks.services.plan_import.columns import CADENCE_CHOICES, COLUMNS, DEFAULT_AREAS, MAX_ROWS
from tasks.services.spreadsheet_text import write_text_cell


def plan_template_workbook(*, committee_id: int | None = None) -> bytes:
    """The template: Chinese headers, an explanation row, and drop-down lists of areas, units (those of
    `committee_id`'s subtree, when given) and cadences."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务清单"
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    _header(sheet)
    _validations(sheet, _option_ranges(lists, committee_id))
    # Excel turns a typed 2.10 into the number 2.1: the number column is text.
    for row in range(3, 203):
        sheet[f"{_letter_of('number')}{row}"].number_format = "@"
        for key in ("start", "deadline"):
            sheet[f"{_letter_of(key)}{row}"].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _letter_of(key: str) -> str:
    return get_column_letter([column.key for column in COLUMNS].index(key) + 1)


def _header(sheet) -> None:
    template_header(sheet, COLUMNS, hint_height=48)


def template_header(sheet, columns, *, hint_height: float) -> None:
    """An import template's first two rows, for the plan and the roster alike: the column names (required ones
    starred) and, under them, the explanation row; frozen above the data."""
    header_font = Font(name="黑体", bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="B22222")
    hint_font = Font(name="宋体", italic=True, color="666666", size=9)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        hint = sheet.cell(row=2, column=index, value=column.hint)
        hint.font, hint.alignment = hint_font, Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[2].height = hint_height
    sheet.freeze_panes = "A3"


def _option_ranges(lists, committee_id: int | None) -> dict[str, str]:
    """The drop-down lists written on the hidden sheet; the cell range of each."""
    units = OrgUnit.objects.filter(is_active=True).order_by("sort_order", "name")
    if committee_id is not None:
        units = units.filter(pk__in=access.descendant_unit_ids([committee_id]))
    units = list(units.values_list("name", flat=True))
    options = {
        "area": [name for _, name in DEFAULT_AREAS],
        "unit": units or ["（请先在系统中维护单位）"],
        "cadence": CADENCE_CHOICES,
    }
    ranges = {}
    for list_index, (name, values) in enumerate(options.items(), start=1):
        letter = get_column_letter(list_index)
        lists.cell(row=1, column=list_index, value=name)
        for row, value in enumerate(values, start=2):
            write_text_cell(lists.cell(row=row, column=list_index), value)  # unit names are user text
        ranges[name] = f"选项!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _choice(formula: str, error: str, title: str, **extra) -> DataValidation:
    """A column whose cells take a value of a list on the options sheet (blank allowed)."""
    return DataValidation(type="list", formula1=formula, allow_blank=True, error=error, errorTitle=title, **extra)


def _validations(sheet, ranges: dict[str, str]) -> None:
    last = MAX_ROWS + 2
    rules = [
        # An area not in the list is allowed (a plan may add its own), so that list only warns.
        (
            _choice(ranges["area"], "不在常用方面列表中，确认要新增此方面吗？", "工作方面", errorStyle="warning"),
            ["area"],
        ),
        (_choice(ranges["unit"], "请从列表中选择系统中已有的单位。", "牵头单位"), ["lead_unit"]),
        (_choice(ranges["cadence"], "请选择：每月、每季度或一次。", "反馈频次"), ["cadence"]),
        (
            DataValidation(
                type="date",
                operator="greaterThan",
                formula1="36526",
                allow_blank=True,
                error="请输入日期，如 2023-03-31。",
                errorTitle="日期",
            ),
            ["start", "deadline"],
        ),
    ]
    for validation, keys in rules:
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        for key in keys:
            validation.add(f"{_letter_of(key)}3:{_letter_of(key)}{last}")
