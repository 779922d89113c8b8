"""The Excel and Word pages: who may download, import and roll over, and what they get."""

import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tasks.models import AnnualPlan, Assignment, KeyTask
from tests.support_exports import TODAY, build_year
from tests.test_services_plan_import import good_rows, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(f"{TODAY.isoformat()} 10:00 +0800", tick=False):
        yield


@pytest.fixture
def year(org, committee, secretary_a, secretary_b):
    return build_year(org, committee, secretary_a, secretary_b)


def ledger_rows(response) -> list[tuple]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_the_exports_page_shows_what_each_person_may_have(client, year, committee, secretary_a):
    client.force_login(secretary_a)
    body = client.get(reverse("exports")).content.decode()
    assert reverse("ledger_download") in body and reverse("assessment_download") not in body
    assert "/calendar/" in body and reverse("plan_import") not in body.split("<main")[1]

    client.force_login(committee)
    body = client.get(reverse("exports")).content.decode()
    for name in ("ledger_download", "assessment_download", "annual_report_download", "plan_import"):
        assert reverse(name) in body
    assert reverse("plan_rollover", args=[2023]) in body


def test_the_ledger_download_holds_what_the_user_may_see(client, year, secretary_a):
    client.force_login(secretary_a)
    rows = ledger_rows(client.get(reverse("ledger_download"), {"year": 2023}))
    assert {row[3] for row in rows} == {"办公室党支部"} and len(rows) == 3


def test_the_ledger_download_applies_the_list_filters(client, year, committee, org):
    client.force_login(committee)
    rows = ledger_rows(client.get(reverse("ledger_download"), {"year": 2023, "light": "red"}))
    assert [(row[0], row[3]) for row in rows] == [("2.1", "业务一科党支部")]
    rows = ledger_rows(client.get(reverse("ledger_download"), {"year": 2023, "unit": org.branch_a1.pk}))
    assert len(rows) == 3
    rows = ledger_rows(client.get(reverse("ledger_download"), {"year": 2023, "sort": "-deadline"}))
    assert rows[0][5] > rows[-1][5]


def test_assessment_and_annual_report_are_for_the_committee_only(client, year, committee, secretary_a):
    client.force_login(secretary_a)
    assert client.get(reverse("assessment_download"), {"year": 2023}).status_code == 403
    assert client.get(reverse("annual_report_download"), {"year": 2023}).status_code == 403

    client.force_login(committee)
    response = client.get(reverse("assessment_download"), {"year": 2023})
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["B3"].value == "办公室党支部"
    response = client.get(reverse("annual_report_download"), {"year": 2023})
    assert response.status_code == 200 and ".docx" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert document.paragraphs[0].text == "市局党委2023年度党建工作报告"


def test_importing_is_for_the_committee_only(client, org, secretary_a):
    """Not a secret page: anyone else is told a committee role is needed (403, not a bare 404)."""
    client.force_login(secretary_a)
    response = client.get(reverse("plan_import"))
    assert response.status_code == 403
    assert "需要党委" in response.content.decode()
    assert client.get(reverse("plan_import_template")).status_code == 403
    upload = io.BytesIO(xlsx(good_rows()))
    upload.name = "plan.xlsx"
    assert client.post(reverse("plan_import"), {"file": upload, "year": 2023}).status_code == 403
    assert not AnnualPlan.objects.exists()


def test_a_broken_upload_shows_every_error_in_a_table_and_imports_nothing(
    client, org, committee, secretary_a, secretary_b
):
    client.force_login(committee)
    rows = good_rows()
    rows[0][4] = "不存在的支部"
    rows[2][9] = "明年"
    upload = io.BytesIO(xlsx(rows))
    upload.name = "任务清单.xlsx"

    response = client.post(reverse("plan_import"), {"file": upload, "year": 2023})

    assert response.status_code == 400
    body = response.content.decode()
    table = body.split('id="import-errors"')[1].split("</table>")[0]
    cells = [row.split("</tr>")[0] for row in table.split("<tr>")[2:]]
    assert len(cells) == 2
    assert '<td class="text-nowrap">2</td>' in cells[0] and "E · 牵头单位" in cells[0]
    assert '<td class="text-nowrap">4</td>' in cells[1] and "J · 完成时限" in cells[1]
    assert not KeyTask.objects.exists()


def test_a_good_upload_imports_and_the_template_downloads(client, org, committee, secretary_a, secretary_b):
    client.force_login(committee)
    template = client.get(reverse("plan_import_template"))
    assert template["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(b"".join(template.streaming_content)))["任务清单"]["B1"].value == "序号*"

    upload = io.BytesIO(xlsx(good_rows()))
    upload.name = "任务清单.xlsx"
    response = client.post(reverse("plan_import"), {"file": upload, "year": 2024}, follow=True)

    assert response.status_code == 200 and 'id="import-result"' in response.content.decode()
    assert KeyTask.objects.filter(plan__year=2024).count() == 3


def test_rollover_clones_the_plan_once(client, year, committee, secretary_a):
    client.force_login(secretary_a)
    assert client.post(reverse("plan_rollover", args=[2023])).status_code == 403

    client.force_login(committee)
    response = client.post(reverse("plan_rollover", args=[2023]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("plan_detail", args=[2024])
    assert [message.level_tag for message in response.context["messages"]] == ["success"]
    plan = AnnualPlan.objects.get(year=2024)
    assert plan.status == AnnualPlan.Status.DRAFT and plan.title == "2024年度党建工作要点"
    assert Assignment.objects.filter(key_task__plan=plan).count() == 6
    response = client.post(reverse("plan_rollover", args=[2023]), follow=True)
    assert AnnualPlan.objects.filter(year=2024).count() == 1
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
