"""Importing the annual plan from workbooks typed by hand (not made by our exporter), and broken ones."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from tasks.models import AnnualPlan, Assignment, KeyTask
from tasks.services.plan_import import PlanImportError, plan_import, plan_template_workbook
from tasks.services.plan_import import rows as plan_rows
from tasks.services.plan_import import workbook as plan_workbook
from tests.factories import AssignmentFactory, KeyTaskFactory, ReportFactory, UserFactory

HEADERS = [
    "工作方面",
    "序号",
    "重点任务",
    "具体内容",
    "牵头单位",
    "配合单位",
    "责任领导",
    "责任人",
    "开始时间",
    "完成时限",
    "量化指标",
    "计量单位",
    "目标值",
    "权重",
    "反馈频次",
]


def xlsx(rows, headers=HEADERS, *, title_row: str | None = None) -> bytes:
    """A workbook as a person types it: optional title line, Chinese headers, then the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务清单"
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows():
    return [
        # Dates typed as dates; number typed into a General cell, so Excel stored the number 1.1.
        [
            "政治建设",
            1.1,
            "召开党建工作领导小组会议",
            "审议印发年度党建工作要点",
            "市局党委",
            "",
            "王建国",
            "",
            dt.datetime(2023, 1, 3),
            dt.datetime(2023, 12, 20),
            "领导小组会议",
            "次",
            4,
            2,
            "每季度",
        ],
        # Dates typed as text, two ways; two cooperating units separated by 、
        [
            "思想建设",
            "2.1",
            "开展“月读一书”活动",
            "",
            "机关党总支",
            "办公室党支部、业务一科党支部",
            "王建国",
            "张伟",
            "2023/3/1",
            "2023-11-30",
            "读书心得",
            "篇",
            "4",
            "",
            "每月",
        ],
        [
            "纪律作风建设",
            "4.1",
            "修订主体责任清单",
            "",
            "业务一科党支部",
            "",
            "",
            "",
            "2023年1月9日",
            "3月31日",
            "",
            "",
            None,
            None,
            "一次",
        ],
    ]


def issues_of(excinfo) -> set[tuple]:
    return {(issue.row, issue.column, issue.code) for issue in excinfo.value.issues}


@pytest.fixture
def people(committee, secretary_a, secretary_b):
    return committee, secretary_a, secretary_b


def test_a_plan_typed_by_hand_imports(org, people):
    committee, secretary_a, secretary_b = people

    result = plan_import(file=xlsx(good_rows(), title_row="2023年度党建工作要点任务清单"), year=2023, user=committee)

    plan = AnnualPlan.objects.get(year=2023)
    assert plan.status == AnnualPlan.Status.DRAFT
    assert result.created == ["1.1", "2.1", "4.1"]
    assert [area.name for area in plan.areas.order_by("sort_order")] == ["政治建设", "思想建设", "纪律作风建设"]
    first = KeyTask.objects.get(plan=plan, number="1.1")
    assert (first.start_date, first.deadline) == (dt.date(2023, 1, 3), dt.date(2023, 12, 20))
    assert first.target_value == Decimal(4) and first.weight == Decimal(2) and first.cadence == "quarterly"
    assert first.responsible_leader == committee
    reading = KeyTask.objects.get(plan=plan, number="2.1")
    assert (reading.start_date, reading.deadline) == (dt.date(2023, 3, 1), dt.date(2023, 11, 30))
    assert reading.cadence == "monthly"
    assert set(reading.cooperating_units.values_list("name", flat=True)) == {"办公室党支部", "业务一科党支部"}
    owners = {a.unit.name: a.owner for a in reading.assignments.select_related("unit", "owner")}
    # 张伟 is named and belongs to the lead unit; 业务一科 falls back to its secretary; 办公室 has nobody.
    assert owners == {"机关党总支": secretary_a, "办公室党支部": None, "业务一科党支部": secretary_b}
    lead = reading.assignments.get(unit=org.branch_a)
    assert lead.weight == Decimal(2) and lead.deadline == lead.original_deadline == dt.date(2023, 11, 30)
    third = KeyTask.objects.get(plan=plan, number="4.1")
    assert third.deadline == dt.date(2023, 3, 31)  # "3月31日" takes the plan's year
    assert third.target_value is None and third.cadence == "once"


def test_importing_the_same_file_again_changes_nothing(org, people):
    committee = people[0]
    content = xlsx(good_rows())
    plan_import(file=content, year=2023, user=committee)
    history = (KeyTask.history.count(), Assignment.history.count())

    result = plan_import(file=content, year=2023, user=committee)

    assert result.created == [] and result.updated == []
    assert result.unchanged == ["1.1", "2.1", "4.1"]
    assert (KeyTask.history.count(), Assignment.history.count()) == history


def test_a_corrected_file_updates_key_tasks_by_number(org, people):
    committee = people[0]
    plan_import(file=xlsx(good_rows()), year=2023, user=committee)
    rows = good_rows()
    rows[1][2] = "开展“月读一书”读书活动"
    rows[1][9] = "2023-12-15"
    rows[2][5] = "机关党总支"

    result = plan_import(file=xlsx(rows), year=2023, user=committee)

    assert result.updated == ["2.1", "4.1"] and result.unchanged == ["1.1"] and result.created == []
    reading = KeyTask.objects.get(plan__year=2023, number="2.1")
    assert reading.title == "开展“月读一书”读书活动"
    # Assignments nobody extended follow the key task's new deadline.
    assert set(reading.assignments.values_list("deadline", flat=True)) == {dt.date(2023, 12, 15)}
    assert KeyTask.objects.filter(plan__year=2023).count() == 3
    assert KeyTask.objects.get(plan__year=2023, number="4.1").assignments.count() == 2


def test_an_extended_deadline_is_not_moved_by_a_corrected_file(org, people):
    committee = people[0]
    plan_import(file=xlsx(good_rows()), year=2023, user=committee)
    assignment = Assignment.objects.get(key_task__number="2.1", unit=org.branch_b)
    Assignment.objects.filter(pk=assignment.pk).update(deadline=dt.date(2023, 12, 29))
    rows = good_rows()
    rows[1][9] = "2023-12-15"

    plan_import(file=xlsx(rows), year=2023, user=committee)

    assignment.refresh_from_db()
    assert assignment.deadline == dt.date(2023, 12, 29) and assignment.original_deadline == dt.date(2023, 11, 30)


def test_the_template_filled_in_below_its_explanation_row_imports(org, people):
    committee = people[0]
    workbook = load_workbook(io.BytesIO(plan_template_workbook()))
    sheet = workbook["任务清单"]
    assert sheet.freeze_panes == "A3"
    assert {validation.formula1 for validation in sheet.data_validations.dataValidation} >= {
        "选项!$A$2:$A$5",
        "选项!$C$2:$C$4",
    }
    units = [cell.value for cell in workbook["选项"]["B"][1:]]
    assert {"市局党委", "办公室党支部", "业务一科党支部"} <= set(units)
    for column, value in enumerate(good_rows()[0], start=1):
        sheet.cell(row=3, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = plan_import(file=buffer.getvalue(), year=2023, user=committee)

    assert result.created == ["1.1"]


def test_dry_run_writes_nothing(org, people):
    result = plan_import(file=xlsx(good_rows()), year=2023, user=people[0], dry_run=True)

    assert result.created == ["1.1", "2.1", "4.1"]
    assert not AnnualPlan.objects.exists() and not KeyTask.objects.exists()


def test_a_broken_file_is_refused_with_every_error_listed_and_nothing_written(org, people):
    committee = people[0]
    rows = good_rows()
    rows[0][4] = "不存在的支部"  # E2: lead unit matches nothing
    rows[1][1] = "1.1"  # B3: duplicate number
    rows[1][8] = "2023-02-30"  # I3: not a date
    rows[2][8], rows[2][9] = "2023-05-01", "2023-04-01"  # J4: deadline before start
    rows[2][14] = "每周"  # O4: unknown cadence
    rows.append(["组织建设", "3.1", "", "", "", "", "", "", "", "", "", "", "十二", "", ""])  # row 5

    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(rows), year=2023, user=committee)

    assert issues_of(excinfo) == {
        (2, "E", "unknown_unit"),
        (3, "B", "duplicate_number"),
        (3, "I", "bad_date"),
        (4, "J", "deadline_before_start"),
        (4, "O", "unknown_cadence"),
        (5, "C", "required"),
        (5, "E", "required"),
        (5, "I", "required"),
        (5, "J", "required"),
        (5, "M", "bad_number"),
    }
    assert all(issue.message for issue in excinfo.value.issues)
    assert not AnnualPlan.objects.exists() and not KeyTask.objects.exists()


def test_a_refused_correction_leaves_the_plan_as_it_was(org, people):
    committee = people[0]
    plan_import(file=xlsx(good_rows()), year=2023, user=committee)
    rows = good_rows()
    rows[0][2] = "新标题"
    rows[2][4] = "不存在的支部"

    with pytest.raises(PlanImportError):
        plan_import(file=xlsx(rows), year=2023, user=committee)

    assert KeyTask.objects.get(number="1.1").title == "召开党建工作领导小组会议"


def test_a_name_that_matches_two_people_is_an_error(org, people):
    UserFactory(username="wang2", full_name="王建国")
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(good_rows()[:1]), year=2023, user=people[0])
    assert issues_of(excinfo) == {(2, "G", "ambiguous_person")}


def test_headers_may_use_common_aliases_and_optional_columns_may_be_missing(org, people):
    headers = ["方面", "编号", "任务名称", "牵头部门", "开始日期", "截止日期"]
    rows = [["政治建设", "1.1", "召开领导小组会议", "市局党委", dt.date(2023, 1, 3), dt.date(2023, 6, 30)]]

    result = plan_import(file=xlsx(rows, headers), year=2023, user=people[0])

    assert result.created == ["1.1"]
    assert KeyTask.objects.get().cadence == KeyTask.Cadence.QUARTERLY


def test_a_missing_required_column_is_reported(org, people):
    headers = [header for header in HEADERS if header != "完成时限"]
    rows = [row[:9] + row[10:] for row in good_rows()]
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(rows, headers), year=2023, user=people[0])
    assert {issue.code for issue in excinfo.value.issues} == {"missing_column"}


def test_formulas_are_refused_cell_by_cell(org, people):
    rows = good_rows()
    rows[0][12] = "=2*2"
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(rows), year=2023, user=people[0])
    assert issues_of(excinfo) == {(2, "M", "formula")}


def ole_file(*streams: str) -> bytes:
    """The start of a compound file (CFB): what .xls files and password-protected .xlsx files are."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + b"".join(name.encode("utf-16-le") for name in streams) + b"\x00" * 1024


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (ole_file("Workbook", "SummaryInformation"), "xls"),
        (ole_file("EncryptionInfo", "EncryptedPackage"), "encrypted"),
        ("工作方面,序号,重点任务\n政治建设,1.1,召开会议\n".encode(), "csv"),
        (b"PK\x03\x04 this zip is cut short", "unreadable"),
        (b"", "empty"),
    ],
    ids=["xls", "encrypted", "csv-renamed", "truncated", "empty"],
)
def test_files_that_are_not_xlsx_get_a_clear_message(org, people, content, code):
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=io.BytesIO(content), year=2023, user=people[0], file_name="计划.xlsx")
    assert [(issue.row, issue.code) for issue in excinfo.value.issues] == [(None, code)]
    assert excinfo.value.issues[0].message


def test_size_and_row_limits(org, people, monkeypatch):
    monkeypatch.setattr(plan_rows, "MAX_ROWS", 2)
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(good_rows()), year=2023, user=people[0])
    assert [issue.code for issue in excinfo.value.issues] == ["too_many_rows"]

    monkeypatch.setattr(plan_workbook, "MAX_BYTES", 1000)
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(good_rows()), year=2023, user=people[0])
    assert [issue.code for issue in excinfo.value.issues] == ["too_large"]


def test_only_the_committee_may_import(org, people):
    with pytest.raises(PermissionDenied):
        plan_import(file=xlsx(good_rows()), year=2023, user=people[1])
    assert not AnnualPlan.objects.exists()


def test_a_closed_plan_is_not_changed(org, people):
    AnnualPlan.objects.create(
        committee=org.committee_unit, year=2023, title="2023年度党建工作要点", status=AnnualPlan.Status.CLOSED
    )
    with pytest.raises(PlanImportError) as excinfo:
        plan_import(file=xlsx(good_rows()), year=2023, user=people[0])
    assert [issue.code for issue in excinfo.value.issues] == ["plan_closed"]


def test_a_unit_dropped_from_the_file_keeps_its_assignment(org, people, plan):
    committee = people[0]
    key_task = KeyTaskFactory(plan=plan, number="1.1", lead_unit=org.committee_unit)
    AssignmentFactory(key_task=key_task, unit=org.branch_b, progress=40)
    result = plan_import(file=xlsx(good_rows()[:1]), year=2023, user=committee)
    assert result.updated == ["1.1"] and len(result.notes) == 1
    assert key_task.assignments.filter(unit=org.branch_b, progress=40).exists()


# --- "Every branch" and what a check lists ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "words", ["各党支部", "全体支部", "所有支部", "各支部", "全体党支部", "各基层党支部", "全部 支部"]
)
def test_every_branch_in_cooperating_units(org, people, words):
    rows = good_rows()[1:2]
    rows[0][5] = words
    plan_import(file=xlsx(rows), year=2023, user=people[0])
    key_task = KeyTask.objects.get(number="2.1")
    carried = {a.unit.name: a.weight for a in key_task.assignments.select_related("unit")}
    assert carried == {"机关党总支": Decimal(2), "办公室党支部": Decimal(1), "业务一科党支部": Decimal(1)}


def test_every_branch_as_lead_unit_the_committee_leads_and_the_branches_carry(org, people):
    rows = good_rows()[1:2]
    rows[0][4], rows[0][5] = "各党支部", ""
    plan_import(file=xlsx(rows), year=2023, user=people[0])
    key_task = KeyTask.objects.get(number="2.1")
    assert key_task.lead_unit == org.committee_unit
    carried = {a.unit.name: a.weight for a in key_task.assignments.select_related("unit")}
    assert carried == {"办公室党支部": Decimal(1), "业务一科党支部": Decimal(1)}
    assert set(key_task.cooperating_units.values_list("name", flat=True)) == {"办公室党支部", "业务一科党支部"}


def test_a_unit_really_called_like_that_is_that_unit(org, people):
    from tests.factories import OrgUnitFactory

    OrgUnitFactory(name="各支部", parent=org.committee_unit)
    rows = good_rows()[1:2]
    rows[0][5] = "各支部"
    plan_import(file=xlsx(rows), year=2023, user=people[0])
    assert set(KeyTask.objects.get(number="2.1").assignments.values_list("unit__name", flat=True)) == {
        "机关党总支",
        "各支部",
    }


def test_the_check_lists_what_would_be_created_changed_and_removed_by_name(org, people, secretary_b):
    committee = people[0]
    plan_import(file=xlsx(good_rows()), year=2023, user=committee)
    reading = KeyTask.objects.get(number="2.1")
    rows = good_rows()
    rows[1][9] = "2023-10-31"  # 2.1's deadline moves
    rows[1][5] = "办公室党支部"  # 业务一科 is no longer listed for 2.1
    rows[2] = ["纪律作风建设", "5.1", "开展廉政警示教育", "", "业务一科党支部", "", "", "", "2023-02-01", "2023-06-30"]
    rows[2] += [""] * 5  # 4.1 is not in the file any more

    check = plan_import(file=xlsx(rows), year=2023, user=committee, dry_run=True)

    assert [(c.number, c.title, c.units_added) for c in check.created_tasks] == [
        ("5.1", "开展廉政警示教育", ["业务一科党支部"])
    ]
    [change] = check.updated_tasks
    assert (change.number, change.units_removed, change.units_added) == ("2.1", ["业务一科党支部"], [])
    assert ("完成时限", "2023-11-30", "2023-10-31") in change.fields
    assert "机关党总支：完成时限 2023-11-30 → 2023-10-31" in change.assignments
    assert check.not_in_file == ["4.1 修订主体责任清单"]
    assert reading.assignments.count() == 3 and not KeyTask.objects.filter(number="5.1").exists()

    ReportFactory(assignment=reading.assignments.get(unit=org.branch_a1), author=people[1])
    plan_import(file=xlsx(rows), year=2023, user=committee)

    assert set(reading.assignments.values_list("unit__name", flat=True)) == {"机关党总支", "办公室党支部"}
    removed = Assignment.history.filter(key_task_id=reading.pk, history_type="-").get()
    assert (removed.unit.name, removed.history_user) == ("业务一科党支部", committee)
    assert KeyTask.objects.filter(number="4.1").exists()


def test_a_unit_no_longer_listed_that_has_reported_is_kept_and_said_so(org, people):
    committee = people[0]
    plan_import(file=xlsx(good_rows()), year=2023, user=committee)
    reading = KeyTask.objects.get(number="2.1")
    ReportFactory(assignment=reading.assignments.get(unit=org.branch_b), author=people[2])
    rows = good_rows()
    rows[1][5] = "办公室党支部"

    check = plan_import(file=xlsx(rows), year=2023, user=committee, dry_run=True)

    [change] = check.updated_tasks
    assert change.units_removed == [] and change.units_kept == ["业务一科党支部（进展反馈 1 份、延期申请 0 项）"]
