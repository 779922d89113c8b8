"""组织生活台账: one branch's meetings of one year as a workbook, one sheet per meeting type, one row per meeting
with its attendance counts, and the figures of the annual report's organisational-life sentence.

A meeting that counts for two types is a row on both sheets: each sheet is the ledger of one duty, as inspectors
read it. User text goes through tasks.services.spreadsheet_text (never a formula)."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import MeetingRecord, MeetingType, OrgUnit
from tasks.services.common import require
from tasks.services.spreadsheet_text import write_text_cell

HEADERS = ("日期", "地点", "主持人", "记录人", "议题", "应到", "实到", "请假", "缺席", "到会率")
WIDTHS = (12, 16, 10, 10, 48, 7, 7, 7, 7, 9)
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def orglife_ledger_build(*, unit: OrgUnit, year: int, user, out) -> int:
    """Write the ledger of `unit` for `year` as .xlsx to `out`; return the number of meetings. Audited."""
    require(access.orglife_units(user).filter(pk=unit.pk).exists())
    records = list(
        MeetingRecord.objects.filter(unit=unit, held_on__year=year)
        .select_related("party_group")
        .prefetch_related("types")
        .order_by("held_on", "id")
    )
    by_type: dict[int, list[MeetingRecord]] = defaultdict(list)
    for record in records:
        for meeting_type in record.types.all():
            by_type[meeting_type.pk].append(record)
    types = [t for t in MeetingType.objects.order_by("sort_order", "id") if t.is_active or by_type.get(t.pk)]
    workbook = Workbook()
    workbook.remove(workbook.active)
    for meeting_type in types:
        sheet = workbook.create_sheet(meeting_type.name.translate(SHEET_TITLE_FORBIDDEN)[:31])
        _type_sheet(sheet, unit=unit, year=year, meeting_type=meeting_type, records=by_type.get(meeting_type.pk, []))
    if not types:
        workbook.create_sheet("组织生活")
    workbook.save(out)
    audit_record(
        action=Action.EXPORT,
        user=user,
        obj=unit,
        detail={"document": "orglife_ledger", "year": year, "meetings": len(records)},
    )
    return len(records)


def _extra_columns(meeting_type: MeetingType) -> list:
    """The columns a type adds after the topics: the party group, the lecturer and the lecture's title."""
    extra = []
    if meeting_type.per_party_group:
        extra.append(("党小组", lambda r: r.party_group.name if r.party_group else ""))
    if meeting_type.is_lecture:
        extra += [("授课人", lambda r: r.lecturer), ("党课题目", lambda r: r.lecture_title)]
    return extra


def _type_sheet(sheet, *, unit: OrgUnit, year: int, meeting_type: MeetingType, records: list[MeetingRecord]) -> None:
    """One duty's ledger: a title, the headers, a row per meeting with its counts and rate, and the total."""
    extra = _extra_columns(meeting_type)
    headers = list(HEADERS)
    headers[5:5] = [name for name, _ in extra]
    title = sheet.cell(row=1, column=1)
    write_text_cell(title, f"{unit.name}{year}年{meeting_type.name}台账（{meeting_type.get_cadence_display()}）")
    title.font = Font(name="黑体", bold=True, size=14)
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=2, column=column, value=header)
        cell.font, cell.fill = Font(name="黑体", bold=True, color="FFFFFF"), PatternFill("solid", fgColor="B22222")
        cell.alignment = Alignment(horizontal="center")
    widths = list(WIDTHS)
    widths[5:5] = [14] * len(extra)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row_number, record in enumerate(records, start=3):
        values = [record.held_on, record.place, record.host, record.recorder, record.topics]
        values += [get(record) for _, get in extra]
        values += [record.expected_count, record.present_count, record.leave_count, record.absent_count]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, str):
                write_text_cell(cell, value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.value = value
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        rate = sheet.cell(row=row_number, column=len(values) + 1)
        rate.value = record.attendance_rate
        rate.number_format = "0%"
    write_text_cell(sheet.cell(row=len(records) + 3, column=1), f"合计 {len(records)} 次")
    sheet.freeze_panes = "A3"


def orglife_counts(*, year: int, committee_id: int | None = None) -> dict[str, int]:
    """Meetings held in `year` by the branches of `committee_id`'s subtree (None: all), by meeting type code: the
    annual report's sentence."""
    links = MeetingRecord.types.through.objects.filter(meetingrecord__held_on__year=year)
    if committee_id is not None:
        links = links.filter(meetingrecord__unit_id__in=access.descendant_unit_ids([committee_id]))
    rows = links.values("meetingtype__code").annotate(count=Count("meetingrecord_id", distinct=True))
    return {row["meetingtype__code"]: row["count"] for row in rows}


def orglife_sentence(counts: dict[str, int]) -> str:
    """全年各支部召开支部党员大会X次、支委会X次、党小组会X次，讲党课X次，开展主题党日X次，召开组织生活会X次。"""
    if not any(counts.values()):
        return ""
    meetings = "、".join(
        f"{name}{counts.get(code, 0)}次"
        for code, name in (
            ("general_meeting", "支部党员大会"),
            ("committee_meeting", "支委会"),
            ("group_meeting", "党小组会"),
        )
    )
    return (
        f"全年各支部召开{meetings}，讲党课{counts.get('party_lecture', 0)}次，"
        f"开展主题党日{counts.get('theme_day', 0)}次，召开组织生活会{counts.get('life_meeting', 0)}次，"
        "“三会一课”制度得到严格落实。"
    )
