"""The annual report draft, read back with python-docx and checked against the data."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from docx import Document
from docx.oxml.ns import qn

from tasks.models import Assignment
from tasks.services.annual_report import annual_report_build, chinese_number
from tests.support_exports import TODAY, build_year


@pytest.fixture
def year(org, committee, secretary_a, secretary_b):
    return build_year(org, committee, secretary_a, secretary_b)


@pytest.fixture
def document(year, committee):
    buffer = io.BytesIO()
    annual_report_build(plan=year.plan, out=buffer, user=committee, today=TODAY)
    return Document(io.BytesIO(buffer.getvalue()))


def paragraphs(document, style=None) -> list[str]:
    return [p.text for p in document.paragraphs if style is None or p.style.name == style]


def text_of(document) -> str:
    return "\n".join(paragraphs(document))


def east_asian_font(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def test_the_report_is_organised_like_the_reference(document):
    assert paragraphs(document, "Title") == ["市局党委2023年度党建工作报告"]
    assert paragraphs(document, "Heading 1") == ["一、总结过去，党的建设取得新成效", "二、展望未来，党的建设开启新征程"]
    assert paragraphs(document, "Heading 2") == ["（一）政治建设", "（二）思想建设", "（三）存在的短板弱项"]


def test_its_figures_are_counted_from_the_data(document, year):
    text = text_of(document)
    assignments = Assignment.objects.filter(key_task__plan=year.plan)
    completed = assignments.filter(status=Assignment.Status.COMPLETED).count()
    assert (assignments.count(), completed) == (6, 4)
    assert f"2个方面4项重点任务，分解到2个单位共{assignments.count()}项承办任务" in text
    # 4 of 6 completed; on time: 3 completed by their deadline, of 4 completed and 1 overdue.
    assert f"已完成{completed}项，完成率66.7%，按期完成率60%" in text

    for number, unit in (("1.1", "项"), ("2.1", "天")):
        rows = assignments.filter(key_task__number=number)
        actual = rows.aggregate(total=Sum("actual_value"))["total"]
        target = year.tasks[number].target_value * rows.count()
        assert f"{year.tasks[number].metric_name}{actual:.0f}{unit}（目标{target:.0f}{unit}" in text
    assert "第一议题学习22项（目标24项，完成91.7%）" in text
    assert "中心组学习9天（目标12天，完成75%）" in text
    # An area's own figures.
    assert "本方面部署重点任务2项，分解承办任务3项，已完成3项，完成率100%" in text
    assert "本方面部署重点任务2项，分解承办任务3项，已完成1项，完成率33.3%" in text
    # The outcome in words: the newest approved report.
    assert "全年开展第一议题学习12次，形成学习记录。" in text


def test_it_names_leading_and_lagging_units_and_the_shortcomings_per_area(document):
    text = text_of(document)
    assert "办公室党支部（完成率100%，得分100）完成率和按期完成率位居前列" in text
    assert "业务一科党支部（完成率33.3%，逾期未完成1项）进度相对滞后" in text
    shortcomings = paragraphs(document)
    start = shortcomings.index("（三）存在的短板弱项")
    section = "\n".join(shortcomings[start:])
    assert "在政治建设方面，逾期完成的有：1.1 全面贯彻“第一议题”制度（业务一科党支部）。" in section
    assert "在思想建设方面，逾期未完成的有：2.1 开展中心组学习（业务一科党支部）。" in section


def test_it_uses_official_document_formatting(document):
    styles = document.styles
    assert east_asian_font(styles["Normal"]) == "仿宋"
    assert east_asian_font(styles["Heading 1"]) == "黑体"
    assert east_asian_font(styles["Heading 2"]) == "楷体"
    assert styles["Normal"].font.size.pt == 16
    assert styles["Title"].font.size.pt == 22
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)


def test_only_the_committee_may_build_it(year, secretary_a):
    with pytest.raises(PermissionDenied):
        annual_report_build(plan=year.plan, out=io.BytesIO(), user=secretary_a, today=TODAY)


def test_a_plan_without_problems_says_so(year, committee):
    Assignment.objects.filter(unit__name="业务一科党支部").delete()
    buffer = io.BytesIO()
    figures = annual_report_build(plan=year.plan, out=buffer, user=committee, today=TODAY)
    assert figures.completion_rate == Decimal(100)
    assert "各项重点任务均按期推进，未发现逾期情况。" in text_of(Document(io.BytesIO(buffer.getvalue())))


@pytest.mark.parametrize(("number", "text"), [(1, "一"), (4, "四"), (10, "十"), (12, "十二"), (21, "二十一")])
def test_chinese_section_numbers(number, text):
    assert chinese_number(number) == text
