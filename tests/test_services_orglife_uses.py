"""One record, many uses (最多报一次): a meeting record as a progress report's evidence, the branch's ledger
(组织生活台账) and the annual report's sentence on organisational life."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tasks.models import ProgressReport
from tasks.services.annual_report import annual_report_build
from tasks.services.orglife import meeting_record_create
from tasks.services.orglife.ledger import orglife_counts, orglife_ledger_build, orglife_sentence
from tasks.services.orglife.meetings import AttendanceLine
from tasks.services.reports import progress_report_submit
from tests.support_browser import zh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2023, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


def held(org, user, roster, meeting_types, codes, day, topics="学习党史", unit=None, members=None):
    return meeting_record_create(
        unit=unit or org.branch_a1,
        user=user,
        types=[meeting_types[c] for c in codes],
        held_on=day,
        place="会议室",
        host="张伟",
        recorder="王芳",
        topics=topics,
        lecturer="张伟" if "party_lecture" in codes else "",
        lecture_title="学习党章" if "party_lecture" in codes else "",
        attendance=[
            AttendanceLine(m.pk, "present" if i else "absent") for i, m in enumerate(members or roster.members)
        ],
    )


def test_a_meeting_record_is_a_reports_evidence(org, secretary_a, secretary_b, assignment_a1, roster, meeting_types):
    record = held(org, secretary_a, roster, meeting_types, ["theme_day"], dt.date(2023, 6, 5))
    key_task = assignment_a1.key_task
    key_task.evidence_required = True
    key_task.save()
    report = progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=40,
        narrative="三会一课安排党史学习",
        obstacles="人手紧张",
        meetings=[record],
    )
    assert list(report.meetings.all()) == [record]
    assert list(record.progress_reports.all()) == [report]


def test_a_meeting_of_another_branch_is_refused(org, secretary_a, secretary_b, assignment_a1, roster, meeting_types):
    other = held(
        org,
        secretary_b,
        roster,
        meeting_types,
        ["theme_day"],
        dt.date(2023, 6, 5),
        unit=org.branch_b,
        members=[roster.other_branch_member],
    )
    with pytest.raises(ValidationError) as excinfo:
        progress_report_submit(
            assignment=assignment_a1,
            author=secretary_a,
            percent=40,
            narrative="学习",
            obstacles="人手紧张",
            meetings=[other],
        )
    assert excinfo.value.message_dict["meetings"] == [
        zh("Only meeting records of this unit or the units below it can be attached.")
    ]
    assert not ProgressReport.objects.exists()


def test_the_report_form_offers_the_units_meetings(client, org, secretary_a, assignment_a1, roster, meeting_types):
    record = held(org, secretary_a, roster, meeting_types, ["theme_day", "general_meeting"], dt.date(2023, 6, 5))
    client.force_login(secretary_a)
    url = reverse("report_create", args=[assignment_a1.pk])
    html = client.get(url).content.decode()
    assert zh("Meeting records as evidence") in html and "06-05 党员大会、主题党日" in html
    response = client.post(
        url,
        {
            "version": assignment_a1.version,
            "percent": 30,
            "narrative": "开展主题党日",
            "obstacles": "人手紧张",
            "meetings": [record.pk],
            "actual_value": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ProgressReport.objects.get()
    assert list(report.meetings.all()) == [record]
    detail = client.get(reverse("assignment_detail", args=[assignment_a1.pk])).content.decode()
    assert reverse("meeting_detail", args=[record.pk]) in detail


def test_the_ledger_has_a_sheet_per_type_and_keeps_text_as_text(org, secretary_a, roster, meeting_types):
    held(
        org,
        secretary_a,
        roster,
        meeting_types,
        ["theme_day", "general_meeting"],
        dt.date(2023, 3, 5),
        topics="=1+1 学习",
    )
    held(org, secretary_a, roster, meeting_types, ["party_lecture"], dt.date(2023, 4, 6))
    held(org, secretary_a, roster, meeting_types, ["theme_day"], dt.date(2022, 12, 6))  # another year
    out = io.BytesIO()
    assert orglife_ledger_build(unit=org.branch_a1, year=2023, user=secretary_a, out=out) == 2
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["支部党员大会", "支部委员会会议", "党小组会", "党课", "主题党日", "组织生活会"]
    theme = workbook["主题党日"]
    assert [c.value for c in theme[2]] == [
        "日期",
        "地点",
        "主持人",
        "记录人",
        "议题",
        "应到",
        "实到",
        "请假",
        "缺席",
        "到会率",
    ]
    row = [c.value for c in theme[3]]
    assert row[4] == "=1+1 学习" and theme.cell(row=3, column=5).data_type == "s"
    assert row[5:9] == [5, 4, 0, 1] and row[9] == pytest.approx(0.8)
    assert theme.cell(row=4, column=1).value == "合计 1 次"
    lecture = workbook["党课"]
    assert [c.value for c in lecture[2]][5:7] == ["授课人", "党课题目"]
    assert [c.value for c in lecture[3]][5:7] == ["张伟", "学习党章"]


def test_the_ledger_is_behind_the_branch_wall(client, org, secretary_a, secretary_b, roster, meeting_types):
    client.force_login(secretary_b)
    assert client.get(reverse("orglife_ledger", args=[org.branch_a1.pk])).status_code == 404
    client.force_login(secretary_a)
    response = client.get(reverse("orglife_ledger", args=[org.branch_a1.pk]) + "?year=2023")
    assert response.status_code == 200
    assert "2023" in response["Content-Disposition"]


def test_the_annual_report_counts_the_years_meetings(org, committee, secretary_a, roster, meeting_types, plan):
    held(org, secretary_a, roster, meeting_types, ["theme_day", "general_meeting"], dt.date(2023, 3, 5))
    held(org, secretary_a, roster, meeting_types, ["theme_day"], dt.date(2023, 4, 5))
    held(org, secretary_a, roster, meeting_types, ["party_lecture"], dt.date(2023, 4, 6))
    counts = orglife_counts(year=2023)
    assert counts == {"theme_day": 2, "general_meeting": 1, "party_lecture": 1}
    sentence = orglife_sentence(counts)
    assert sentence.startswith("全年各支部召开支部党员大会1次、支委会0次、党小组会0次，讲党课1次，开展主题党日2次")
    out = io.BytesIO()
    annual_report_build(plan=plan, out=out, user=committee, today=dt.date(2023, 6, 20))
    assert sentence in [p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs]
    assert orglife_sentence({}) == ""
