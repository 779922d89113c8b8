"""The figures (tasks.rules.figures), and the pages, workbooks and report that show them agreeing."""

import pathlib
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tasks.rules import (
    assign_ranks,
    completion_rate,
    on_time_rate,
    percent,
    weighted_mean,
    weighted_mean_of_sums,
)
from tasks.selectors import dashboard_get
from tasks.services.annual_report import annual_report_figures
from tasks.services.exports import assessment_rows
from tests.support_exports import TODAY, build_year

TASKS = pathlib.Path(__file__).resolve().parent.parent / "tasks"


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (0, 5, Decimal("0.0")),
        (5, 5, Decimal("100.0")),
        (1, 16, Decimal("6.2")),  # 6.25: half-even, as Decimal rounds
        (3, 16, Decimal("18.8")),  # 18.75
        (Decimal("10.5"), Decimal("12"), Decimal("87.5")),
        (13, 12, Decimal("108.3")),  # a target exceeded is shown as such
    ],
)
def test_percent_has_one_decimal(part, whole, expected):
    assert percent(part, whole) == expected
    assert str(percent(part, whole)) == str(expected)


@pytest.mark.parametrize("whole", [0, None, Decimal(0)])
def test_a_rate_of_nothing_is_no_rate_not_zero(whole):
    assert percent(0, whole) is None
    assert completion_rate(completed=0, total=0) is None
    assert on_time_rate(on_time=0, completed=0, overdue=0) is None


def test_completion_rate_is_completed_over_all():
    assert completion_rate(completed=1, total=3) == Decimal("33.3")


def test_on_time_rate_counts_the_overdue_against_and_the_not_yet_due_not_at_all():
    # Two done on time, one done late, one overdue; any number still open and not due changes nothing.
    assert on_time_rate(on_time=2, completed=3, overdue=1) == Decimal("50.0")
    assert on_time_rate(on_time=2, completed=2, overdue=0) == Decimal("100.0")
    assert on_time_rate(on_time=0, completed=0, overdue=2) == Decimal("0.0")


def test_weighted_mean_of_pairs_and_of_sums():
    assert weighted_mean([(80, 3), (40, 1)]) == Decimal("70.0")
    assert weighted_mean(iter([(Decimal("33.3"), 40), (0, 30), (80, 10)])) == Decimal("26.6")  # 26.65, half-even
    assert weighted_mean([]) == Decimal(0)
    assert weighted_mean([(90, 0), (10, 0)]) == Decimal(0)  # nothing weighs: no progress, no error
    assert weighted_mean_of_sums(280, 4) == Decimal("70.0")
    assert weighted_mean_of_sums(None, None) == Decimal(0)


def test_an_unrounded_weighted_mean_keeps_its_digits_for_further_sums():
    mean = weighted_mean([(1, 1), (0, 2)], rounded=False)
    assert mean != Decimal("0.3") and mean.quantize(Decimal("0.0001")) == Decimal("0.3333")


def test_ties_share_a_rank_and_the_next_one_skips():
    rows = [SimpleNamespace(score=score) for score in (90, 80, 80, 70, 70, 70, 10)]
    assign_ranks(rows, lambda row: row.score)
    assert [row.rank for row in rows] == [1, 2, 2, 4, 4, 4, 7]
    assert assign_ranks([], lambda row: row) == []


def test_the_dashboard_the_assessment_table_and_the_report_show_the_same_figures(
    org, committee, secretary_a, secretary_b
):
    year = build_year(org, committee, secretary_a, secretary_b)
    dashboard = dashboard_get(user=committee, plan=year.plan, today=TODAY)
    assessment = {row.unit: row for row in assessment_rows(plan=year.plan, user=committee, today=TODAY)}
    report = annual_report_figures(plan=year.plan, user=committee, today=TODAY)

    for unit in dashboard.units:
        row = assessment[unit.name]
        assert (unit.lights.completion_rate, unit.lights.on_time_rate) == (row.completion_rate, row.on_time_rate)
    assert (report.completion_rate, report.on_time_rate) == (
        dashboard.lights.completion_rate,
        dashboard.lights.on_time_rate,
    )
    # Branch B: 1 of 3 completed, none on time, one overdue (support_exports).
    assert (assessment["业务一科党支部"].completion_rate, assessment["业务一科党支部"].on_time_rate) == (
        Decimal("33.3"),
        Decimal("0.0"),
    )
    for area in report.areas:
        for outcome in area.tasks:
            expected = weighted_mean(outcome.key_task.assignments.values_list("progress", "weight"))
            assert outcome.progress == expected


def test_figures_are_rounded_in_one_module_only():
    """A percent or a one-decimal rounding anywhere but tasks/rules/figures.py is a second definition."""
    pattern = re.compile(r"""Decimal\((100|["']0\.1["'])\)""")
    offenders = [
        f"{path.relative_to(TASKS.parent)}:{number}"
        for path in TASKS.rglob("*.py")
        if path.name != "figures.py" and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
