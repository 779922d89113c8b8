"""The ledger (台账) and the assessment table (党建考核指标明细表), read back with openpyxl."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from tasks.models import Assignment
from tasks.services.exports import AssessmentWeights, assessment_export, assessment_rows, ledger_export
from tests.support_exports import TODAY, build_year


@pytest.fixture
def year(org, committee, secretary_a, secretary_b):
    return build_year(org, committee, secretary_a, secretary_b)


def ledger(user, **kwargs):
    buffer = io.BytesIO()
    count = ledger_export(user=user, out=buffer, today=TODAY, **kwargs)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == count + 1
    return sheet, rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_ledger_has_one_row_per_assignment_with_light_progress_target_and_latest_report(year, committee):
    sheet, header, rows = ledger(committee, plan=year.plan)

    assert header[:7] == ("序号", "重点任务", "工作方面", "承办单位", "责任人", "完成时限", "预警灯")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40
    # By key-task number, then unit (order, then name).
    assert [(row["序号"], row["承办单位"]) for row in rows] == [
        ("1.1", "业务一科党支部"),
        ("1.1", "办公室党支部"),
        ("1.2", "办公室党支部"),
        ("2.1", "业务一科党支部"),
        ("2.1", "办公室党支部"),
        ("2.2", "业务一科党支部"),
    ]
    first = rows[1]
    assert first["重点任务"] == "全面贯彻“第一议题”制度" and first["工作方面"] == "政治建设"
    assert first["责任人"] == "张伟"
    assert first["完成时限"] == dt.datetime(2023, 12, 20)  # a real date cell, not text
    assert first["预警灯"].startswith("✔")
    assert (first["审核进度(%)"], first["实际值"], first["目标值"], first["计量单位"]) == (100, 12, 12, "项")
    assert first["完成日期"] == dt.datetime(2023, 12, 10)
    # The returned report of 12 December is not the latest report: the approved one of 8 December is.
    assert first["最近反馈日期"] == dt.datetime(2023, 12, 8)
    assert first["最近反馈内容"] == "全年开展第一议题学习12次，形成学习记录。"
    overdue = rows[3]
    assert overdue["预警灯"].startswith("▲") and overdue["完成日期"] is None
    assert overdue["最近反馈日期"] == dt.datetime(2023, 12, 1)
    assert rows[2]["实际值"] is None and rows[2]["目标值"] is None and rows[2]["最近反馈日期"] is None


def test_the_ledger_holds_only_what_the_user_may_see(year, secretary_a, secretary_b, outsider):
    assert {row["承办单位"] for row in ledger(secretary_a, plan=year.plan)[2]} == {"办公室党支部"}
    assert len(ledger(secretary_b, plan=year.plan)[2]) == 3
    assert ledger(outsider, plan=year.plan)[2] == []


def test_the_ledger_takes_an_already_filtered_queryset_and_never_widens_it(year, secretary_a):
    filtered = Assignment.objects.filter(key_task__number="1.1")
    rows = ledger(secretary_a, queryset=filtered)[2]
    assert [(row["序号"], row["承办单位"]) for row in rows] == [("1.1", "办公室党支部")]


def test_the_assessment_ranks_units_with_their_rates_and_score(year, committee):
    rows = assessment_rows(plan=year.plan, user=committee, today=TODAY)

    a1, b = rows
    assert (a1.unit, a1.rank, b.unit, b.rank) == ("办公室党支部", 1, "业务一科党支部", 2)
    assert (a1.total, a1.completed, a1.completion_rate, a1.on_time_rate, a1.overdue) == (3, 3, 100, 100, 0)
    assert (a1.quantitative, a1.targets_met, a1.score) == (2, 2, Decimal("100.0"))
    assert (b.total, b.completed, b.completion_rate, b.on_time, b.done_late, b.overdue) == (
        3,
        1,
        Decimal("33.3"),
        0,
        1,
        1,
    )
    assert (b.on_time_rate, b.quantitative, b.targets_met, b.progress) == (0, 3, 0, Decimal("80.0"))
    # (33.3×40 + 0×30 + 0×20 + 80×10) / 100 − 2 × 1 overdue
    assert b.score == Decimal("19.3")


def test_assessment_weights_are_configurable(year, committee, settings):
    settings.ASSESSMENT_WEIGHTS = {"completion": 100, "on_time": 0, "targets": 0, "progress": 0, "overdue_penalty": 0}
    b = assessment_rows(plan=year.plan, user=committee, today=TODAY)[1]
    assert b.score == Decimal("33.3")

    weights = AssessmentWeights.parse(
        {
            "completion": 0,
            "on_time": 1,
            "targets": 0,
            "progress": 0,
            "overdue_penalty": 0,
            "against_original_deadline": "true",
        }
    )
    Assignment.objects.filter(pk=year.a1["1.1"].pk).update(original_deadline=dt.date(2023, 12, 1))
    a1 = next(
        row
        for row in assessment_rows(plan=year.plan, user=committee, today=TODAY, weights=weights)
        if row.unit == "办公室党支部"
    )
    # Completed on 10 December after an extension from 1 December: late against the original deadline.
    assert (a1.on_time, a1.done_late, a1.score) == (2, 1, Decimal("66.7"))
    with pytest.raises(ValueError, match="unknown"):
        AssessmentWeights.parse({"speed": 1})


def test_the_assessment_table_opens_as_a_ranked_sheet(year, committee):
    buffer = io.BytesIO()
    assessment_export(plan=year.plan, out=buffer, user=committee, today=TODAY)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active

    assert sheet["A1"].value == "市局党委2023年度党建考核指标明细表"
    assert sheet.freeze_panes == "C3"
    header = [cell.value for cell in sheet[2]]
    assert header[:5] == ["排名", "单位", "承办任务数", "已完成", "完成率(%)"] and header[-1] == "得分"
    assert [cell.value for cell in sheet[3]][:5] == [1, "办公室党支部", 3, 3, 100]
    assert [cell.value for cell in sheet[4]][:2] == [2, "业务一科党支部"]
    assert sheet[4][len(header) - 1].value == pytest.approx(19.3)


def test_only_the_committee_gets_the_assessment(year, secretary_a):
    with pytest.raises(PermissionDenied):
        assessment_rows(plan=year.plan, user=secretary_a, today=TODAY)
