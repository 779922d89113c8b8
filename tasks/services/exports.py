"""Spreadsheets that leave the app: the ledger (台账) and the assessment table (党建考核指标明细表).

Both open cleanly in Excel and WPS: Chinese headers (the file format, so constants rather than translated
strings), a frozen header row, set column widths and real date cells. The ledger is streamed row by row
from a values query into the workbook (tasks.services.xlsx_stream), so 50,000 rows take seconds and
little memory; the small assessment table uses openpyxl.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import AnnualPlan, Assignment, OrgUnit, ProgressReport
from tasks.rules import (
    ONE_DECIMAL,
    Light,
    WorkCalendar,
    assign_ranks,
    completion_rate,
    local_today,
    on_time_rate,
    percent,
    weighted_mean,
    weighted_mean_of_sums,
)
from tasks.selectors import latest_report_ids
from tasks.services.common import require
from tasks.services.lights import lights_current
from tasks.services.spreadsheet_text import write_text_cell
from tasks.services.xlsx_stream import StreamingSheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(name="黑体", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
REPORT_CHUNK = 2000

# (header, width)
LEDGER_COLUMNS = [
    ("序号", 8),
    ("重点任务", 40),
    ("工作方面", 14),
    ("承办单位", 20),
    ("责任人", 10),
    ("完成时限", 12),
    ("预警灯", 12),
    ("审核进度(%)", 11),
    ("实际值", 9),
    ("目标值", 9),
    ("计量单位", 9),
    ("完成日期", 12),
    ("最近反馈日期", 14),
    ("反馈状态", 9),
    ("最近反馈内容", 60),
]
LEDGER_DATE_COLUMNS = {"完成时限", "完成日期", "最近反馈日期"}


def plan_heading(plan: AnnualPlan, document: str) -> str:
    """A plan's document as its title names it: the committee's own name, the year, the document
    ("甲局党委2026年度党建工作台账"). In a tree of committees every bureau's file is its own."""
    return f"{plan.committee.name}{plan.year}{document}"


def plan_file_name(plan: AnnualPlan, document: str, suffix: str) -> str:
    return f"{plan_heading(plan, document)}{suffix}"


def _light_labels() -> dict[str, str]:
    """Told by symbol as well as by word: the ledger is often printed in black and white."""
    return {light.value: f"{light.symbol} {light.label}" for light in Light}


def ledger_queryset(*, user, plan: AnnualPlan | None = None, queryset: QuerySet | None = None) -> QuerySet:
    """The assignments a ledger may hold: `queryset` (already filtered by the list filters, perhaps)
    narrowed to what `user` may see. `user=None` is the command line: everything."""
    queryset = Assignment.objects.all() if queryset is None else queryset
    if user is not None:
        queryset = access.visible_assignments(user, queryset)
    if plan is not None:
        queryset = queryset.filter(key_task__plan=plan)
    return queryset


LEDGER_FIELDS = (
    "key_task__number",
    "key_task__title",
    "key_task__area__name",
    "unit__name",
    "owner__full_name",
    "owner__username",
    "deadline",
    "light",
    "progress",
    "actual_value",
    "key_task__target_value",
    "key_task__metric_unit",
    "completed_at",
    "id",
)


def ledger_export(
    *, user, out, queryset: QuerySet | None = None, plan: AnnualPlan | None = None, today: dt.date | None = None
) -> int:
    """Write the ledger (台账) as .xlsx to `out` (a path or a binary file object); return the row count.

    One row per assignment. The list filters apply when the caller passes their queryset. Given its `plan`, the
    ledger is titled with the plan's committee and year (printed atop every page)."""
    lights_current(today=today)
    queryset = ledger_queryset(user=user, plan=plan, queryset=queryset)
    if not queryset.query.order_by:
        queryset = queryset.order_by("key_task__plan__year", "key_task__number_sort", "unit__sort_order", "unit__name")
    rows = queryset.values_list(*LEDGER_FIELDS, named=True)
    count = 0
    with StreamingSheet(
        out,
        title="台账",
        heading=plan_heading(plan, "年度党建工作台账") if plan is not None else "",
        headers=[header for header, _width in LEDGER_COLUMNS],
        widths=[width for _header, width in LEDGER_COLUMNS],
    ) as sheet:
        lines = _LedgerLines()
        for chunk in _chunks(rows.iterator(chunk_size=REPORT_CHUNK), REPORT_CHUNK):
            for line in lines.of(chunk):
                sheet.append(line)
            count += len(chunk)
    audit_record(
        action=Action.EXPORT,
        user=user,
        object_type="ledger",
        detail={"plan": plan.year if plan else None, "rows": count},
    )
    return count


def _chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _LedgerLines:
    """Ledger rows as the sheet shows them, a chunk at a time (with the chunk's latest reports: one query)."""

    def __init__(self):
        self.labels = _light_labels()
        self.states = {value: str(label) for value, label in ProgressReport.State.choices}

    def of(self, chunk: list) -> list[list]:
        reports = _latest_reports([row.id for row in chunk])
        return [self.line(row, reports.get(row.id, (None, "", ""))) for row in chunk]

    def line(self, row, report: tuple) -> list:
        report_date, state, narrative = report
        return [
            row.key_task__number,
            row.key_task__title,
            row.key_task__area__name,
            row.unit__name,
            row.owner__full_name or row.owner__username or "",
            row.deadline,
            self.labels[row.light],
            row.progress,
            row.actual_value,
            row.key_task__target_value,
            row.key_task__metric_unit,
            row.completed_at,
            report_date,
            self.states.get(state, ""),
            narrative,
        ]


def _latest_reports(assignment_ids: list[int]) -> dict[int, tuple]:
    """The latest report (returned ones aside) of each assignment: (date, state, narrative)."""
    report_ids = {
        report_id: assignment_id
        for assignment_id, report_id in latest_report_ids(
            assignment_ids, skip_states=[ProgressReport.State.RETURNED]
        ).items()
    }
    return {
        report_ids[pk]: (timezone_date(submitted_at), state, narrative)
        for pk, submitted_at, state, narrative in ProgressReport.objects.filter(pk__in=list(report_ids)).values_list(
            "id", "submitted_at", "state", "narrative"
        )
    }


def timezone_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


# --- The assessment table --------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentWeights:
    """How the score is made (settings.ASSESSMENT_WEIGHTS overrides any of these).

    The score is the weighted mean of the rates a unit has (a unit with no quantitative targets is scored
    on the others), minus `overdue_penalty` points per assignment still overdue, never below 0."""

    completion: Decimal = Decimal(40)
    on_time: Decimal = Decimal(30)
    targets: Decimal = Decimal(20)
    progress: Decimal = Decimal(10)
    overdue_penalty: Decimal = Decimal(2)
    # DOMAIN.md: the original deadline stays on record and the assessment may count against it.
    against_original_deadline: bool = False

    @classmethod
    def from_settings(cls, **overrides) -> "AssessmentWeights":
        values = {**getattr(settings, "ASSESSMENT_WEIGHTS", {}), **overrides}
        return cls.parse(values)

    @classmethod
    def parse(cls, values: dict) -> "AssessmentWeights":
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown assessment weight(s): {', '.join(sorted(unknown))}")
        parsed = {}
        for name, value in values.items():
            if name == "against_original_deadline":
                parsed[name] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            else:
                parsed[name] = Decimal(str(value))
                if parsed[name] < 0:
                    raise ValueError(f"assessment weight {name} must not be negative")
        weights = cls(**parsed)
        if not (weights.completion + weights.on_time + weights.targets + weights.progress):
            raise ValueError("at least one assessment weight must be positive")
        return weights

    def describe(self) -> str:
        parts = [
            f"完成率×{self.completion}",
            f"按期率×{self.on_time}",
            f"量化达标率×{self.targets}",
            f"平均进度×{self.progress}",
        ]
        text = "得分 =（" + " + ".join(parts) + "）÷ 权重合计"
        if self.overdue_penalty:
            text += f" − 逾期未完成数×{self.overdue_penalty}"
        if self.against_original_deadline:
            text += "；按期以原定完成时限计（获批延期不计为按期）"
        return text + "。无量化任务或无到期任务的单位，按其余指标计算。"


@dataclass
class AssessmentRow:
    unit_id: int
    unit: str
    total: int = 0
    completed: int = 0
    on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    extended: int = 0
    quantitative: int = 0
    targets_met: int = 0
    progress: Decimal = Decimal(0)
    score: Decimal = Decimal(0)
    rank: int = 0

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(completed=self.completed, total=self.total)

    @property
    def on_time_rate(self) -> Decimal | None:
        return on_time_rate(on_time=self.on_time, completed=self.completed, overdue=self.overdue)

    @property
    def target_rate(self) -> Decimal | None:
        return percent(self.targets_met, self.quantitative)


def _score(row: AssessmentRow, weights: AssessmentWeights) -> Decimal:
    parts = [
        (row.completion_rate, weights.completion),
        (row.on_time_rate, weights.on_time),
        (row.target_rate, weights.targets),
        (row.progress, weights.progress),
    ]
    present = [(rate, weight) for rate, weight in parts if rate is not None and weight]
    if not present:
        return Decimal(0)
    score = weighted_mean(present, rounded=False) - weights.overdue_penalty * row.overdue
    return max(Decimal(0), score).quantize(ONE_DECIMAL)


def assessment_rows(
    *,
    plan: AnnualPlan,
    user=None,
    weights: AssessmentWeights | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
) -> list[AssessmentRow]:
    """One row per unit that carries assignments in the plan, ranked by score (ties share a rank).
    `user` must be a committee member (rankings are for the committee's eyes); None is the command line."""
    if user is not None:
        require(access.can_run_plan(user, plan))
    weights = weights or AssessmentWeights.from_settings()
    today = today or local_today()
    lights_current(today=today, calendar=calendar)
    base = ledger_queryset(user=user, plan=plan)
    on_time_done = (
        Q(completed_at__isnull=False, completed_at__lte=F("original_deadline"))
        if weights.against_original_deadline
        else Q(light=Light.DONE)
    )
    grouped = (
        base.order_by()
        .values("unit_id")
        .annotate(
            total=Count("id"),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            on_time=Count("id", filter=on_time_done),
            overdue=Count("id", filter=Q(light=Light.RED)),
            extended=Count("id", filter=~Q(deadline=F("original_deadline"))),
            quantitative=Count("id", filter=Q(key_task__target_value__isnull=False)),
            targets_met=Count(
                "id", filter=Q(key_task__target_value__isnull=False, actual_value__gte=F("key_task__target_value"))
            ),
            progress_sum=Sum(F("progress") * F("weight")),
            weight_sum=Sum("weight"),
        )
    )
    names = {unit.pk: unit for unit in OrgUnit.objects.all()}
    rows = []
    for values in grouped:
        unit = names[values["unit_id"]]
        row = AssessmentRow(
            unit_id=unit.pk,
            unit=unit.name,
            total=values["total"],
            completed=values["completed"],
            on_time=values["on_time"],
            overdue=values["overdue"],
            extended=values["extended"],
            quantitative=values["quantitative"],
            targets_met=values["targets_met"],
        )
        row.done_late = row.completed - row.on_time
        row.progress = weighted_mean_of_sums(values["progress_sum"], values["weight_sum"])
        row.score = _score(row, weights)
        rows.append(row)
    sort_order = {unit.pk: (unit.sort_order, unit.name) for unit in names.values()}
    rows.sort(key=lambda row: (-row.score, -(row.completion_rate or 0), row.overdue, sort_order[row.unit_id]))
    return assign_ranks(rows, lambda row: row.score)


ASSESSMENT_COLUMNS = [
    ("排名", 6),
    ("单位", 22),
    ("承办任务数", 10),
    ("已完成", 8),
    ("完成率(%)", 10),
    ("按期完成", 9),
    ("按期率(%)", 10),
    ("逾期完成", 9),
    ("逾期未完成", 10),
    ("获批延期", 9),
    ("量化任务数", 10),
    ("量化达标", 9),
    ("达标率(%)", 10),
    ("平均进度(%)", 11),
    ("得分", 8),
]


def _assessment_footer(sheet, *, rows: int, weights: AssessmentWeights, today: dt.date) -> None:
    """How the score is made and the date of the figures under the table; filters and A4 landscape printing."""
    note_row = rows + 4
    sheet.cell(row=note_row, column=1, value="说明：" + weights.describe())
    sheet.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=len(ASSESSMENT_COLUMNS))
    sheet.cell(row=note_row + 1, column=1, value="统计截至")
    as_of = sheet.cell(row=note_row + 1, column=2, value=today)
    as_of.number_format = "yyyy-mm-dd"
    as_of.alignment = Alignment(horizontal="left")
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(ASSESSMENT_COLUMNS))}{rows + 2}"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def assessment_export(
    *, plan: AnnualPlan, out, user=None, weights: AssessmentWeights | None = None, today: dt.date | None = None
) -> list[AssessmentRow]:
    """Write the assessment table (党建考核指标明细表) as .xlsx to `out`; return its rows."""
    weights = weights or AssessmentWeights.from_settings()
    today = today or local_today()
    rows = assessment_rows(plan=plan, user=user, weights=weights, today=today)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考核明细"
    last_letter = get_column_letter(len(ASSESSMENT_COLUMNS))
    sheet.merge_cells(f"A1:{last_letter}1")
    # The committee's name is user text: never a formula.
    title = write_text_cell(sheet["A1"], plan_heading(plan, "年度党建考核指标明细表"))
    title.font = Font(name="黑体", size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, (header, width) in enumerate(ASSESSMENT_COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index, value=header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3"
    for row_number, row in enumerate(rows, start=3):
        values = [
            row.rank,
            row.unit,
            row.total,
            row.completed,
            row.completion_rate,
            row.on_time,
            row.on_time_rate,
            row.done_late,
            row.overdue,
            row.extended,
            row.quantitative,
            row.targets_met,
            row.target_rate,
            row.progress,
            row.score,
        ]
        for index, value in enumerate(values, start=1):
            cell = write_text_cell(sheet.cell(row=row_number, column=index), value)  # a unit's name is user text
            cell.border = border
            if isinstance(value, Decimal):
                cell.number_format = "0.0"
    _assessment_footer(sheet, rows=len(rows), weights=weights, today=today)
    workbook.save(out)
    audit_record(action=Action.EXPORT, user=user, obj=plan, object_type="assessment", detail={"rows": len(rows)})
    return rows
