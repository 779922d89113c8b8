"""The rows of the long lists, built by tags (tasks/templatetags/rows.py): each state a row can show, text from the
database escaped, dates in local time."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from tasks.models import ProgressReport
from tasks.rules import Light
from tasks.selectors.assignments import AssignmentRow
from tasks.selectors.dashboard import LightCounts, ListRow, UnitRow
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def render(tag: str, **context) -> str:
    return Template("{% load rows %}" + tag).render(Context(context))


@pytest.fixture
def hostile_title(assignment_b):
    """A key task whose title and unit name hold markup: shown as text, never as HTML."""
    assignment_b.key_task.title = '<script>alert("x")</script> & 学习'
    assignment_b.unit.short_name = "<b>B</b>"
    return assignment_b


def test_a_list_row_escapes_text_and_shows_urges_and_the_tick_box(hostile_title):
    row = ListRow(hostile_title, Light.RED, -3)
    row.urges = SimpleNamespace(count=2, last_at=dt.datetime(2023, 5, 1, 20, 0, tzinfo=dt.UTC))
    html = render("{% assignment_list_row row may_urge %}", row=row, may_urge=True)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; 学习" in html
    assert "&lt;b&gt;B&lt;/b&gt;" in html
    assert f'id="pick-{hostile_title.pk}"' in html and f'href="/assignments/{hostile_title.pk}/"' in html
    assert "已逾期 3 个工作日" in html
    assert "已催办 2 次，最近 05-02" in html  # 20:00 UTC is the next morning in Asia/Shanghai


def test_a_list_row_of_a_completed_assignment_has_no_tick_box_and_no_days_left(assignment_b):
    assignment_b.status = assignment_b.Status.COMPLETED
    assignment_b.owner = None
    html = render("{% assignment_list_row row may_urge %}", row=ListRow(assignment_b, Light.DONE, 4), may_urge=True)
    assert 'type="checkbox"' not in html and "个工作日" not in html
    assert '<td data-label="责任人">–</td>' in html
    assert "stack-check" in html  # the column stays, empty, so the table keeps its shape
    assert "stack-check" not in render(
        "{% assignment_list_row row may_urge %}", row=ListRow(assignment_b, Light.DONE, 4), may_urge=False
    )


@pytest.mark.parametrize(
    ("state", "shown", "button"),
    [
        (None, "", True),
        (ProgressReport.State.SUBMITTED, "待审核", False),
        (ProgressReport.State.RETURNED, "已退回", True),
        (ProgressReport.State.APPROVED, "审核通过", True),
    ],
)
def test_a_card_says_where_its_latest_report_stands_and_offers_a_report_unless_one_awaits_review(
    assignment_b, secretary_b, committee, state, shown, button
):
    report = None
    reviewed = {} if state == ProgressReport.State.SUBMITTED else {"reviewer": committee, "reviewed_at": timezone.now()}
    if state is not None:
        report = ReportFactory(
            assignment=assignment_b,
            author=secretary_b,
            state=state,
            review_comment="<i>请补充</i>材料",
            **reviewed,
        )
    row = AssignmentRow(assignment_b, Light.GREEN, 5, report, may_report=True)
    html = render("{% assignment_card row %}", row=row)
    assert f'id="assignment-{assignment_b.pk}"' in html and "border-light-green" in html
    assert shown in html
    assert (f'href="/assignments/{assignment_b.pk}/report/"' in html) is button
    if state == ProgressReport.State.RETURNED:
        assert "&lt;i&gt;请补充&lt;/i&gt;材料" in html


def test_a_dashboard_row_gives_the_follow_up_line_on_the_red_list(overdue_b):
    row = ListRow(overdue_b, Light.RED, -10)
    never = SimpleNamespace(last_report_at=None, urges=SimpleNamespace(count=0, last_at=None))
    html = render("{% dashboard_row row follow %}", row=row, follow=never)
    assert "尚未反馈 · 尚未催办" in html and "已逾期 10 个工作日" in html
    urged = SimpleNamespace(
        last_report_at=dt.datetime(2023, 4, 2, 1, 0, tzinfo=dt.UTC),
        urges=SimpleNamespace(count=1, last_at=dt.datetime(2023, 5, 3, 1, 0, tzinfo=dt.UTC)),
    )
    html = render("{% dashboard_row row follow %}", row=row, follow=urged)
    assert "最近反馈 2023-04-02 · 已催办 1 次，最近 2023-05-03" in html
    assert "follow-up" not in render("{% dashboard_row row %}", row=row)


def test_a_unit_row_shows_its_rank_only_to_the_ranking_committee_and_links_only_counts_above_zero():
    lights = LightCounts()
    lights.add(Light.DONE.value, 3, 300, 3)
    lights.add(Light.RED.value, 1, 20, 1)
    row = UnitRow(unit_id=7, name="<第一>支部", lights=lights, rank=2)
    counts = [(light, count, f"/assignments/?unit=7&light={light.value}") for light, count in lights.items()]
    html = render("{% unit_table_row row url counts ranked %}", row=row, url="/x?a=1&b=2", counts=counts, ranked=True)
    assert html.startswith("<tr><td>2</td>") and "&lt;第一&gt;支部" in html and 'href="/x?a=1&amp;b=2"' in html
    assert '<a href="/assignments/?unit=7&amp;light=red">1</a>' in html
    assert '<span class="text-muted">0</span>' in html  # yellow, green and done late: none
    assert "<td>2</td>" not in render(
        "{% unit_table_row row url counts ranked %}", row=row, url="/x", counts=counts, ranked=False
    )


def test_a_waiting_report_and_a_difficulty_escape_what_the_secretary_wrote(hostile_title, secretary_b):
    report = ReportFactory(
        assignment=hostile_title,
        author=secretary_b,
        percent=35,
        obstacles="<img src=x>" + "缺" * 200,
        submitted_at=dt.datetime(2023, 3, 1, 17, 0, tzinfo=dt.UTC),
    )
    report.light = Light.YELLOW
    row = render("{% waiting_report_row report %}", report=report)
    assert "&lt;script&gt;" in row and "<script>" not in row and ">35%<" in row and ">2023-03-02<" in row
    item = render("{% difficulty_item report %}", report=report)
    assert "&lt;img src=x&gt;" in item and "<img" not in item and item.count("缺") < 160  # cut short
    assert 'class="light light-yellow"' in item and "2023-03-02" in item


def test_an_area_links_only_the_lights_it_has():
    counts = [(Light.RED, 2, "/assignments/?area=1&light=red"), (Light.GREEN, 0, "/assignments/?area=1&light=green")]
    html = render("{% light_count_links counts %}", counts=counts)
    assert 'href="/assignments/?area=1&amp;light=red"' in html and "light-green" not in html
    assert '<span class="visually-hidden">逾期</span> 2' in html


def test_a_month_bar_says_completed_expected_and_due_in_its_title():
    from tasks.charts import month_chart
    from tasks.selectors.dashboard import MonthPoint

    point = MonthPoint(dt.date(2023, 4, 1), dt.date(2023, 4, 30), 3, 1, expected_rate=Decimal("37.5"), actual_rate=None)
    (bar,) = month_chart([point], ["/x"]).bars
    assert bar.title == "2023-04: 已办结 –, 应完成 37.5% · 本月到期 3 项"
