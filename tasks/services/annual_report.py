"""The draft of the annual work report (年度党建工作报告), as a Word document.

It follows the reference report (shared/reference/annual-party-building-report.txt): a title; "一、"
with one "（一）" section per area holding its key tasks, their outcomes and the figures the reference
had to star out (counts and totals against targets, completion and on-time rates); the units that led
and lagged; the shortcomings (red and late tasks per area); and "二、" left for the committee to write.

The text is Chinese document prose (公文), like the demo data: it is the document, not the interface.
Formatting follows GB/T 9704: A4, title in 小标宋 二号, headings 黑体 / 楷体 三号, body 仿宋 三号 with
a two-character first-line indent and a fixed 28-point line spacing.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Max, Q
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import AnnualPlan, Area, Assignment, KeyTask, ProgressReport
from tasks.rules import Light, completion_rate, local_today, on_time_rate, percent, weighted_mean
from tasks.services.common import require
from tasks.services.exports import AssessmentRow, assessment_rows, plan_heading
from tasks.services.lights import lights_current
from tasks.services.orglife.ledger import orglife_counts, orglife_sentence

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHINESE_NUMERALS = "一二三四五六七八九十"
TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋"
SIZE_TITLE, SIZE_BODY = Pt(22), Pt(16)  # 二号, 三号
LEADING_UNITS = 3


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (enough for section numbers)."""
    if number <= 10:
        return CHINESE_NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else CHINESE_NUMERALS[tens - 1]) + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


def amount(value: Decimal | int | None) -> str:
    """12.00 → 12, 2.50 → 2.5."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{amount(value)}%"


# --- Figures ---------------------------------------------------------------------------------------


@dataclass
class TaskOutcome:
    key_task: KeyTask
    assignments: int = 0
    completed: int = 0
    done_on_time: int = 0
    done_late_units: list[str] = field(default_factory=list)
    red_units: list[str] = field(default_factory=list)
    progress: Decimal = Decimal(0)
    actual_total: Decimal | None = None
    target_total: Decimal | None = None
    narrative: str = ""

    @property
    def target_rate(self) -> Decimal | None:
        if self.target_total is None or self.actual_total is None:
            return None
        return percent(self.actual_total, self.target_total)


@dataclass
class AreaFigures:
    area: Area
    tasks: list[TaskOutcome] = field(default_factory=list)
    assignments: int = 0
    completed: int = 0
    done_on_time: int = 0
    red: int = 0

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(completed=self.completed, total=self.assignments)

    @property
    def on_time_rate(self) -> Decimal | None:
        return on_time_rate(on_time=self.done_on_time, completed=self.completed, overdue=self.red)

    @property
    def red_tasks(self) -> list[TaskOutcome]:
        return [task for task in self.tasks if task.red_units]

    @property
    def late_tasks(self) -> list[TaskOutcome]:
        return [task for task in self.tasks if task.done_late_units]


@dataclass
class AnnualFigures:
    plan: AnnualPlan
    as_of: dt.date
    committee: str
    areas: list[AreaFigures]
    units: list[AssessmentRow]
    orglife: dict[str, int] = field(default_factory=dict)  # meetings held by type code (组织生活)

    @property
    def key_tasks(self) -> int:
        return sum(len(area.tasks) for area in self.areas)

    @property
    def assignments(self) -> int:
        return sum(area.assignments for area in self.areas)

    @property
    def completed(self) -> int:
        return sum(area.completed for area in self.areas)

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(completed=self.completed, total=self.assignments)

    @property
    def on_time_rate(self) -> Decimal | None:
        return on_time_rate(
            on_time=sum(area.done_on_time for area in self.areas),
            completed=self.completed,
            overdue=sum(area.red for area in self.areas),
        )

    @property
    def leading_units(self) -> list[AssessmentRow]:
        if len(self.units) < 2:
            return []
        return self.units[: min(LEADING_UNITS, len(self.units) // 2)]

    @property
    def lagging_units(self) -> list[AssessmentRow]:
        if len(self.units) < 2:
            return []
        count = min(LEADING_UNITS, len(self.units) // 2)
        lagging = self.units[-count:]
        top_score = self.units[0].score
        return [row for row in reversed(lagging) if row.score < top_score]


def annual_report_figures(*, plan: AnnualPlan, user=None, today: dt.date | None = None) -> AnnualFigures:
    """Every figure of the report, from the same data as the dashboard and the ledger."""
    if user is not None:
        require(access.can_run_plan(user, plan))
    as_of = today or local_today()
    lights_current(today=as_of)
    key_tasks = _task_outcomes(plan)
    _attach_narratives(plan, key_tasks)
    return AnnualFigures(
        plan=plan,
        as_of=as_of,
        committee=plan.committee.name,  # the report is the plan's committee's own, with its name
        areas=_area_figures(plan, key_tasks),
        units=assessment_rows(plan=plan, user=user, today=as_of),
        orglife=orglife_counts(year=plan.year, committee_id=plan.committee_id),
    )


def _task_outcomes(plan: AnnualPlan) -> dict[int, TaskOutcome]:
    """Each key task's outcome: its assignments counted by light, units late or overdue, weighted progress and
    the totals against its target."""
    rows = (
        Assignment.objects.filter(key_task__plan=plan)
        .values(
            "key_task_id",
            "light",
            "progress",
            "weight",
            "actual_value",
            "key_task__target_value",
            "unit__name",
            "unit__short_name",
        )
        .order_by("key_task__number_sort", "unit__sort_order", "unit__name")
    )
    key_tasks = {task.pk: TaskOutcome(task) for task in plan.key_tasks.select_related("area", "lead_unit")}
    weighted: dict[int, list[tuple[int, Decimal]]] = {}
    for row in rows:
        outcome = key_tasks[row["key_task_id"]]
        unit_name = row["unit__short_name"] or row["unit__name"]
        outcome.assignments += 1
        light = Light(row["light"])
        if light in (Light.DONE, Light.DONE_LATE):
            outcome.completed += 1
        if light == Light.DONE:
            outcome.done_on_time += 1
        elif light == Light.DONE_LATE:
            outcome.done_late_units.append(unit_name)
        elif light == Light.RED:
            outcome.red_units.append(unit_name)
        weighted.setdefault(outcome.key_task.pk, []).append((row["progress"], row["weight"]))
        # A key task's target applies to each unit that carries it (as the ledger shows it, row by row).
        if row["key_task__target_value"] is not None:
            outcome.target_total = (outcome.target_total or Decimal(0)) + row["key_task__target_value"]
            outcome.actual_total = (outcome.actual_total or Decimal(0)) + (row["actual_value"] or Decimal(0))
    for task_id, pairs in weighted.items():
        key_tasks[task_id].progress = weighted_mean(pairs)
    return key_tasks


def _area_figures(plan: AnnualPlan, key_tasks: dict[int, TaskOutcome]) -> list[AreaFigures]:
    """The areas that have key tasks, each with its tasks in number order and their counts summed."""
    areas = []
    for area in plan.areas.order_by("sort_order", "id"):
        figures = AreaFigures(area=area)
        figures.tasks = sorted(
            (outcome for outcome in key_tasks.values() if outcome.key_task.area_id == area.pk),
            key=lambda outcome: outcome.key_task.number_sort,
        )
        for outcome in figures.tasks:
            figures.assignments += outcome.assignments
            figures.completed += outcome.completed
            figures.done_on_time += outcome.done_on_time
            figures.red += len(outcome.red_units)
        if figures.tasks:
            areas.append(figures)
    return areas


def _attach_narratives(plan: AnnualPlan, key_tasks: dict[int, TaskOutcome]) -> None:
    """Each key task's outcome in words: the newest approved report of its lead unit (else of any unit)."""
    newest = (
        ProgressReport.objects.filter(assignment__key_task__plan=plan, state=ProgressReport.State.APPROVED)
        .values("assignment__key_task_id")
        .annotate(lead=Max("id", filter=Q(assignment__unit_id=F("assignment__key_task__lead_unit_id"))), any=Max("id"))
    )
    chosen = {row["assignment__key_task_id"]: row["lead"] or row["any"] for row in newest}
    narratives = dict(ProgressReport.objects.filter(pk__in=chosen.values()).values_list("id", "narrative"))
    for task_id, report_id in chosen.items():
        if task_id in key_tasks:
            key_tasks[task_id].narrative = narratives.get(report_id, "").strip()


# --- Sentences -------------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "；")) else text + "。"


def task_sentence(outcome: TaskOutcome) -> str:
    """ "2.1 制定中心组学习计划：中心组学习12天（目标12天，完成100%）；3个承办单位全部完成。…"."""
    task = outcome.key_task
    parts = []
    if outcome.target_total is not None:
        unit = task.metric_unit
        parts.append(
            f"{task.metric_name or '完成'}{amount(outcome.actual_total)}{unit}"
            f"（目标{amount(outcome.target_total)}{unit}，完成{rate(outcome.target_rate)}）"
        )
    if outcome.assignments and outcome.completed == outcome.assignments:
        status = "已全部完成" if outcome.assignments == 1 else f"{outcome.assignments}个承办单位全部完成"
        if outcome.done_late_units:
            status += f"，其中{'、'.join(outcome.done_late_units)}逾期完成"
    elif outcome.assignments == 1:
        status = f"进度{amount(outcome.progress)}%"
        if outcome.red_units:
            status += "，逾期未完成"
    elif outcome.assignments:
        status = f"{outcome.assignments}个承办单位完成{outcome.completed}个，加权进度{amount(outcome.progress)}%"
        if outcome.red_units:
            status += f"，{'、'.join(outcome.red_units)}逾期未完成"
    else:
        status = "尚未分解到承办单位"
    parts.append(status)
    text = f"{task.number} {task.title}：" + "；".join(parts) + "。"
    if outcome.narrative:
        text += _sentence(outcome.narrative)
    return text


def area_sentence(figures: AreaFigures) -> str:
    quantitative = [task for task in figures.tasks if task.target_total is not None]
    text = (
        f"本方面部署重点任务{len(figures.tasks)}项，分解承办任务{figures.assignments}项，已完成{figures.completed}项，"
        f"完成率{rate(figures.completion_rate)}，按期完成率{rate(figures.on_time_rate)}"
    )
    if quantitative:
        met = sum(1 for task in quantitative if (task.target_rate or 0) >= 100)
        text += f"；{len(quantitative)}项量化任务中{met}项达到目标"
    return text + "。"


def overall_sentence(figures: AnnualFigures) -> str:
    plan = figures.plan
    units = len({row.unit_id for row in figures.units})
    return (
        f"{plan.year}年，{figures.committee}坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻新时代党的建设总要求，"
        f"审议印发年度党建工作要点，明确{plan.year}年度党建工作{len(figures.areas)}个方面{figures.key_tasks}项重点任务，"
        f"分解到{units}个单位共{figures.assignments}项承办任务。截至{figures.as_of.year}年{figures.as_of.month}月"
        f"{figures.as_of.day}日，已完成{figures.completed}项，完成率{rate(figures.completion_rate)}，"
        f"按期完成率{rate(figures.on_time_rate)}。"
    )


def units_sentence(figures: AnnualFigures) -> str:
    leading, lagging = figures.leading_units, figures.lagging_units
    if not leading:
        return ""
    text = (
        "从各单位完成情况看，"
        + "、".join(f"{row.unit}（完成率{rate(row.completion_rate)}，得分{amount(row.score)}）" for row in leading)
        + "完成率和按期完成率位居前列"
    )
    if lagging:
        text += (
            "；"
            + "、".join(
                f"{row.unit}（完成率{rate(row.completion_rate)}，逾期未完成{row.overdue}项）" for row in lagging
            )
            + "进度相对滞后，需加大督促力度"
        )
    return text + "。"


def shortcoming_sentences(figures: AnnualFigures) -> list[str]:
    sentences = []
    for area in figures.areas:
        parts = []
        if area.red_tasks:
            parts.append(
                "逾期未完成的有："
                + "；".join(
                    f"{task.key_task.number} {task.key_task.title}（{'、'.join(task.red_units)}）"
                    for task in area.red_tasks
                )
            )
        if area.late_tasks:
            parts.append(
                "逾期完成的有："
                + "；".join(
                    f"{task.key_task.number} {task.key_task.title}（{'、'.join(task.done_late_units)}）"
                    for task in area.late_tasks
                )
            )
        if parts:
            sentences.append(f"在{area.area.name}方面，" + "；".join(parts) + "。")
    if not sentences:
        sentences.append("各项重点任务均按期推进，未发现逾期情况。")
    return sentences


# --- The document ----------------------------------------------------------------------------------


def _set_font(target, name: str, size, bold: bool = False) -> None:
    """Set a style's or run's font for Chinese and Latin text alike (Word reads w:eastAsia for Chinese)."""
    font = target.font
    font.name, font.size, font.bold = name, size, bold
    r_pr = target.element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    if hasattr(font, "color"):
        font.color.rgb = None


def _paragraph_format(paragraph_format, *, indent: bool) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(28)
    paragraph_format.space_before = paragraph_format.space_after = Pt(0)
    paragraph_format.first_line_indent = Pt(32) if indent else None


def _document() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    styles = document.styles
    normal = styles["Normal"]
    _set_font(normal, BODY_FONT, SIZE_BODY)
    _paragraph_format(normal.paragraph_format, indent=True)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for style_name, font_name in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = styles[style_name]
        _set_font(style, font_name, SIZE_BODY)
        style.font.italic = False
        _paragraph_format(style.paragraph_format, indent=True)
        style.paragraph_format.keep_with_next = True
    title = styles["Title"]
    _set_font(title, TITLE_FONT, SIZE_TITLE)
    _paragraph_format(title.paragraph_format, indent=False)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(14)
    # The default template draws a rule under Title; an official document has none.
    for border in title.element.xpath(".//w:pBdr"):
        border.getparent().remove(border)
    return document


def annual_report_document(figures: AnnualFigures) -> Document:
    document = _document()
    plan = figures.plan
    document.add_paragraph(plan_heading(plan, "年度党建工作报告"), style="Title")
    as_of = figures.as_of
    subtitle = document.add_paragraph(f"（草稿 · 数据截至{as_of.year}年{as_of.month}月{as_of.day}日）")
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.first_line_indent = None
    _set_font(subtitle.runs[0], SUBHEADING_FONT, SIZE_BODY)

    document.add_paragraph("同志们：").paragraph_format.first_line_indent = None
    document.add_paragraph(
        f"下面，我代表{figures.committee}作工作报告，总结回顾{plan.year}年党的建设工作成效，部署推进下一阶段重点任务。"
    )
    document.add_heading("一、总结过去，党的建设取得新成效", level=1)
    document.add_paragraph(overall_sentence(figures))
    if orglife := orglife_sentence(figures.orglife):
        document.add_paragraph(orglife)
    for index, area in enumerate(figures.areas, start=1):
        document.add_heading(f"（{chinese_number(index)}）{area.area.name}", level=2)
        document.add_paragraph(area_sentence(area))
        for outcome in area.tasks:
            document.add_paragraph(task_sentence(outcome))
    units = units_sentence(figures)
    if units:
        document.add_paragraph(units)

    document.add_heading(f"（{chinese_number(len(figures.areas) + 1)}）存在的短板弱项", level=2)
    document.add_paragraph("在肯定成绩的同时，也要清醒看到，党的建设工作还存在一些短板弱项。主要是：")
    for sentence in shortcoming_sentences(figures):
        document.add_paragraph(sentence)
    document.add_paragraph(
        "这些问题是制约党建工作提质增效的关键，我们要高度重视，认真对标对表，把补短板、强弱项牢牢抓在手上。"
    )

    document.add_heading("二、展望未来，党的建设开启新征程", level=1)
    document.add_paragraph(f"（此部分请结合{plan.year + 1}年度党建工作要点撰写。）")
    return document


def annual_report_build(*, plan: AnnualPlan, out, user=None, today: dt.date | None = None) -> AnnualFigures:
    """Write the draft report of `plan` as .docx to `out` (a path or binary file); return its figures.
    Only committee members may build it (`user=None` is the command line)."""
    figures = annual_report_figures(plan=plan, user=user, today=today)
    annual_report_document(figures).save(out)
    audit_record(action=Action.EXPORT, user=user, obj=plan, detail={"document": "annual_report"})
    return figures
