"""Import, rollover, ledger, assessment, annual report and the calendar feed, per committee, in a tree of committees
(tests/support_committees.py: a 工委 over the sister bureaus 甲局 and 乙局).

A bureau's member gets their bureau's plan, units and figures under their committee's name; the sister bureau's
member meets the branch wall (404, also with `?committee=`); the 工委 reads a bureau's ledger from above but neither
imports, rolls over, ranks nor drafts the annual report for it (access.can_run_plan: 403); the commands name their
committee when the installation holds several."""

import datetime as dt
import io
import sys
from urllib.parse import unquote

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.urls import reverse
from docx import Document
from icalendar import Calendar
from openpyxl import load_workbook

from tasks.models import AnnualPlan, Assignment, KeyTask, OrgUnit
from tasks.rules import local_today
from tasks.services.calendar_feed import calendar_feed_token_get_or_create
from tasks.services.plan_import import PlanImportError, plan_import
from tasks.services.rollover import plan_rollover
from tests.test_services_plan_import import xlsx

YEAR = local_today().year


def plan_row(unit: str, *, number: str = "1.1", title: str = "新一年重点任务") -> list:
    return [
        "政治建设",
        number,
        title,
        "",
        unit,
        "",
        "",
        "",
        dt.datetime(YEAR + 1, 1, 5),
        dt.datetime(YEAR + 1, 12, 20),
        "",
        "",
        None,
        None,
        "每季度",
    ]


def plan_file(*units: str) -> io.BytesIO:
    content = io.BytesIO(xlsx([plan_row(unit, number=f"1.{index}") for index, unit in enumerate(units, start=1)]))
    content.name = "plan.xlsx"
    return content


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def file_name(response) -> str:
    return unquote(response["Content-Disposition"])


def sheet_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    return "\n".join(str(value) for row in workbook.active.iter_rows(values_only=True) for value in row if value)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- Plan import -------------------------------------------------------------------------------------


def test_a_bureau_imports_into_its_own_plan_with_its_own_units(client, tree):
    client.force_login(tree.a.member)
    response = client.post(
        reverse("plan_import"), {"file": plan_file("甲局办公室党支部"), "year": YEAR + 1}, follow=True
    )
    assert response.status_code == 200
    plan = AnnualPlan.objects.get(year=YEAR + 1)
    assert plan.committee == tree.a.committee_unit
    assert list(Assignment.objects.filter(key_task__plan=plan).values_list("unit__name", flat=True)) == [
        "甲局办公室党支部"
    ]


def test_the_import_page_says_whose_plan_the_file_goes_into(client, tree):
    for user, name in ((tree.a.member, "甲局党委"), (tree.top_member, "市直机关工委")):
        client.force_login(user)
        assert f"文件导入{name}的年度党建工作要点" in client.get(reverse("plan_import")).content.decode()


def test_a_bureaus_import_cannot_name_the_sisters_units(client, tree):
    client.force_login(tree.a.member)
    response = client.post(reverse("plan_import"), {"file": plan_file("乙局办公室党支部"), "year": YEAR + 1})
    assert response.status_code == 400 and "乙局办公室党支部" in response.content.decode()
    assert not AnnualPlan.objects.filter(year=YEAR + 1).exists()


def test_the_top_committee_imports_into_its_own_plan_never_a_bureaus(client, tree):
    client.force_login(tree.top_member)
    url = f"{reverse('plan_import')}?committee={tree.a.committee_unit.pk}"
    client.post(url, {"file": plan_file("甲局党委"), "year": YEAR + 1})
    assert AnnualPlan.objects.get(year=YEAR + 1).committee == tree.top_unit
    bureau_a, bureau_b = tree.a.committee_unit.pk, tree.b.committee_unit.pk
    with pytest.raises(PermissionDenied):
        plan_import(file=plan_file("甲局办公室党支部"), year=YEAR + 2, user=tree.top_member, committee_id=bureau_a)
    with pytest.raises(PermissionDenied):
        plan_import(file=plan_file("乙局办公室党支部"), year=YEAR + 2, user=tree.a.member, committee_id=bureau_b)
    assert not AnnualPlan.objects.filter(year=YEAR + 2).exists()


def test_every_branch_in_an_import_is_the_committees_own(tree):
    """各党支部 of a bureau is its branches, not the sister's; of the 工委, its own branches, not the bureaus' (they
    take the 工委's key tasks through their committees)."""
    rows = [plan_row("各党支部")]
    result = plan_import(file=xlsx(rows), year=YEAR + 1, user=tree.a.member)
    assert {a.unit for a in Assignment.objects.filter(key_task__plan=result.plan)} == {tree.a.branch}

    with pytest.raises(PlanImportError) as refused:
        plan_import(file=xlsx(rows), year=YEAR + 1, user=tree.top_member)
    assert [issue.code for issue in refused.value.issues] == ["no_branches"]
    assert "下级党委的名称" in refused.value.issues[0].message

    own = OrgUnit.objects.create(name="工委机关党支部", kind=OrgUnit.Kind.BRANCH, parent=tree.top_unit)
    result = plan_import(file=xlsx(rows), year=YEAR + 1, user=tree.top_member)
    assert {a.unit for a in Assignment.objects.filter(key_task__plan=result.plan)} == {own}


def test_the_import_template_offers_the_bureaus_own_units(client, tree):
    client.force_login(tree.a.member)
    text = workbook_text(body(client.get(reverse("plan_import_template"))))
    assert "甲局办公室党支部" in text and "乙局" not in text and "市直机关工委" not in text


def workbook_text(content: bytes) -> str:
    sheets = load_workbook(io.BytesIO(content)).worksheets
    rows = [row for sheet in sheets for row in sheet.iter_rows(values_only=True)]
    return "\n".join(str(value) for row in rows for value in row if value)


def test_import_plan_names_its_committee_in_a_tree(tree, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan_file("甲局办公室党支部").getvalue())
    with pytest.raises(CommandError, match="--committee"):
        run("import_plan", str(path), "--year", str(YEAR + 1))
    with pytest.raises(CommandError, match="丙局党委"):
        run("import_plan", str(path), "--year", str(YEAR + 1), "--committee", "丙局党委")
    with pytest.raises(CommandError, match="nothing was imported"):
        run("import_plan", str(path), "--year", str(YEAR + 1), "--committee", "乙局党委")
    assert not AnnualPlan.objects.filter(year=YEAR + 1).exists()

    assert "1 new" in run("import_plan", str(path), "--year", str(YEAR + 1), "--committee", "甲局党委")
    assert AnnualPlan.objects.get(year=YEAR + 1).committee == tree.a.committee_unit

    template = tmp_path / "template.xlsx"
    run("import_plan", "--template", str(template), "--committee", "乙局党委")
    text = workbook_text(template.read_bytes())
    assert "乙局办公室党支部" in text and "甲局" not in text


# --- Rollover ----------------------------------------------------------------------------------------


def test_a_bureau_rolls_over_its_own_plan(client, tree):
    client.force_login(tree.a.member)
    client.post(reverse("plan_rollover", args=[YEAR]))
    plan = AnnualPlan.objects.get(year=YEAR + 1)
    assert plan.committee == tree.a.committee_unit and "甲局" in plan.title
    assert set(Assignment.objects.filter(key_task__plan=plan).values_list("unit", flat=True)) == {tree.a.branch.pk}


def test_the_top_committee_and_the_sister_cannot_roll_over_a_bureaus_plan(client, tree):
    for user in (tree.top_member, tree.b.member):
        with pytest.raises(PermissionDenied):
            plan_rollover(plan=tree.a.plan, user=user)
    # The page rolls over the viewer's own plan only: asking for 甲局's from above changes nothing of it.
    client.force_login(tree.top_member)
    client.post(f"{reverse('plan_rollover', args=[YEAR])}?committee={tree.a.committee_unit.pk}")
    assert not AnnualPlan.objects.filter(committee=tree.a.committee_unit, year=YEAR + 1).exists()


def test_rollover_plan_names_its_committee_in_a_tree(tree):
    with pytest.raises(CommandError, match="--committee"):
        run("rollover_plan", "--year", str(YEAR))
    with pytest.raises(CommandError, match="丙局党委"):
        run("rollover_plan", "--year", str(YEAR), "--committee", "丙局党委")
    assert not AnnualPlan.objects.filter(year=YEAR + 1).exists()
    run("rollover_plan", "--year", str(YEAR), "--committee", "乙局党委")
    assert AnnualPlan.objects.get(year=YEAR + 1).committee == tree.b.committee_unit


# --- Ledger ------------------------------------------------------------------------------------------


def ledger_units(content: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}


def ledger_heading(content: bytes) -> tuple[str, str]:
    """The workbook's title and the printed page header."""
    workbook = load_workbook(io.BytesIO(content))
    return workbook.properties.title, workbook.active.oddHeader.center.text


def test_a_bureaus_ledger_is_its_own_under_its_name(client, tree):
    client.force_login(tree.a.member)
    response = client.get(reverse("ledger_download"))
    content = body(response)
    assert ledger_units(content) == {"甲局办公室党支部"}
    assert f"甲局党委{YEAR}年度党建工作台账" in file_name(response)
    assert all(f"甲局党委{YEAR}年度党建工作台账" in text for text in ledger_heading(content))

    client.force_login(tree.a.secretary)
    assert ledger_units(body(client.get(reverse("ledger_download")))) == {"甲局办公室党支部"}


def test_the_sister_gets_nothing_of_a_bureaus_ledger(client, tree):
    for user in (tree.b.member, tree.b.secretary):
        client.force_login(user)
        response = client.get(reverse("ledger_download"), {"committee": tree.a.committee_unit.pk, "year": YEAR})
        assert response.status_code == 404


def test_the_top_committee_reads_a_bureaus_ledger_from_above(client, tree, cascade):
    client.force_login(tree.top_member)
    response = client.get(reverse("ledger_download"), {"committee": tree.a.committee_unit.pk, "year": YEAR})
    content = body(response)
    assert ledger_units(content) == {"甲局办公室党支部"} and "甲局党委" in file_name(response)
    # Its own ledger is its own plan: the key task it gave the two bureaus, not their branches' work.
    response = client.get(reverse("ledger_download"))
    assert ledger_units(body(response)) == {"甲局党委", "乙局党委"} and "市直机关工委" in file_name(response)


def test_a_bureau_reads_in_the_top_committees_ledger_only_what_was_given_to_it(client, tree, cascade):
    client.force_login(tree.a.member)
    response = client.get(reverse("ledger_download"), {"committee": tree.top_unit.pk, "year": YEAR})
    assert ledger_units(body(response)) == {"甲局党委"} and "市直机关工委" in file_name(response)


def test_export_ledger_names_its_committee_in_a_tree(tree, tmp_path):
    output = tmp_path / "ledger.xlsx"
    with pytest.raises(CommandError, match="--committee"):
        run("export_ledger", "--year", str(YEAR), "-o", str(output))
    with pytest.raises(CommandError, match="丙局党委"):
        run("export_ledger", "--year", str(YEAR), "--committee", "丙局党委", "-o", str(output))
    run("export_ledger", "--year", str(YEAR), "--committee", "甲局党委", "-o", str(output))
    assert ledger_units(output.read_bytes()) == {"甲局办公室党支部"}
    assert ledger_heading(output.read_bytes())[0] == f"甲局党委{YEAR}年度党建工作台账"


def test_a_command_without_its_committee_says_so_on_stderr_and_exits_non_zero(tree, tmp_path, capsys, monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)  # the command line closes them; the test needs it
    monkeypatch.setattr(sys, "argv", ["manage.py"])
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "export_ledger", "--year", str(YEAR), "-o", str(tmp_path / "x.xlsx")])
    assert exit_info.value.code != 0
    error = capsys.readouterr().err
    assert "--committee" in error and "市直机关工委" in error and "甲局党委" in error and "乙局党委" in error


# --- Assessment --------------------------------------------------------------------------------------


def test_a_bureaus_assessment_ranks_its_own_units_under_its_name(client, tree):
    client.force_login(tree.a.member)
    response = client.get(reverse("assessment_download"))
    content = body(response)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == f"甲局党委{YEAR}年度党建考核指标明细表"
    assert "甲局党委" in file_name(response)
    ranked = {row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)}
    assert ranked == {"甲局办公室党支部"}
    assert "乙局" not in sheet_text(content)


def test_a_bureaus_assessment_is_refused_to_the_sister_and_from_above(client, tree):
    query = {"committee": tree.a.committee_unit.pk, "year": YEAR}
    for user in (tree.b.member,):
        client.force_login(user)
        assert client.get(reverse("assessment_download"), query).status_code == 404
    client.force_login(tree.top_member)
    assert client.get(reverse("assessment_download"), query).status_code == 403
    client.force_login(tree.a.member)  # the 工委's ranks are the 工委's
    top = {"committee": tree.top_unit.pk, "year": YEAR}
    assert client.get(reverse("assessment_download"), top).status_code in (403, 404)


def test_export_assessment_names_its_committee_in_a_tree(tree, tmp_path):
    output = tmp_path / "assessment.xlsx"
    with pytest.raises(CommandError, match="--committee"):
        run("export_assessment", "--year", str(YEAR), "-o", str(output))
    run("export_assessment", "--year", str(YEAR), "--committee", "乙局党委", "-o", str(output))
    assert load_workbook(output).active["A1"].value == f"乙局党委{YEAR}年度党建考核指标明细表"


# --- Annual report -----------------------------------------------------------------------------------


def report_text(content: bytes) -> tuple[str, str]:
    document = Document(io.BytesIO(content))
    return document.paragraphs[0].text, "\n".join(paragraph.text for paragraph in document.paragraphs)


def test_a_bureaus_annual_report_is_its_own_with_its_name(client, tree):
    client.force_login(tree.a.member)
    response = client.get(reverse("annual_report_download"))
    title, text = report_text(body(response))
    assert title == f"甲局党委{YEAR}年度党建工作报告" and "甲局党委" in file_name(response)
    assert "我代表甲局党委作工作报告" in text and "甲局专属重点任务" in text
    assert "乙局" not in text and "市直机关工委" not in text


def test_the_top_committees_annual_report_is_the_top_committees(client, tree, cascade):
    client.force_login(tree.top_member)
    title, text = report_text(body(client.get(reverse("annual_report_download"))))
    assert title == f"市直机关工委{YEAR}年度党建工作报告" and "我代表市直机关工委" in text
    assert "深入学习贯彻全会精神" in text and "甲局专属重点任务" not in text


def test_a_bureaus_annual_report_is_refused_to_the_sister_and_from_above(client, tree):
    query = {"committee": tree.a.committee_unit.pk, "year": YEAR}
    client.force_login(tree.b.member)
    assert client.get(reverse("annual_report_download"), query).status_code == 404
    client.force_login(tree.top_member)
    assert client.get(reverse("annual_report_download"), query).status_code == 403
    client.force_login(tree.a.secretary)
    assert client.get(reverse("annual_report_download")).status_code == 403


def test_annual_report_command_names_its_committee_in_a_tree(tree, tmp_path):
    output = tmp_path / "report.docx"
    with pytest.raises(CommandError, match="--committee"):
        run("annual_report", "--year", str(YEAR), "-o", str(output))
    run("annual_report", "--year", str(YEAR), "--committee", "甲局党委", "-o", str(output))
    assert report_text(output.read_bytes())[0] == f"甲局党委{YEAR}年度党建工作报告"


# --- Calendar feed -----------------------------------------------------------------------------------


def feed(client, user) -> Calendar:
    response = client.get(reverse("calendar_feed", args=[calendar_feed_token_get_or_create(user=user).token]))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def summaries(calendar: Calendar) -> list[str]:
    return [str(event["summary"]) for event in calendar.walk("VEVENT")]


def test_a_secretarys_feed_is_their_branchs_under_their_committees_name(client, tree, cascade):
    calendar = feed(client, tree.a.secretary)
    assert str(calendar["x-wr-calname"]).startswith("甲局党委")
    assert len(summaries(calendar)) == 1 and "甲局专属重点任务" in summaries(calendar)[0]
    assert "乙局" not in feed(client, tree.a.secretary).to_ical().decode()


def test_a_committee_members_feed_names_the_committee_above_on_its_key_task(client, tree, cascade):
    """甲局's member owns the 工委's 1.1 given to 甲局: one event, said to be the 工委's (甲局 has a 1.1 too)."""
    calendar = feed(client, tree.a.member)
    assert str(calendar["x-wr-calname"]).startswith("甲局党委")
    assert summaries(calendar) == ["【完成时限】市直机关工委 1.1 深入学习贯彻全会精神（甲局党委）"]
    assert "乙局" not in calendar.to_ical().decode()
    assert summaries(feed(client, tree.b.member)) == ["【完成时限】市直机关工委 1.1 深入学习贯彻全会精神（乙局党委）"]


def test_the_top_committee_members_feed_holds_nothing_of_the_bureaus(client, tree, cascade):
    calendar = feed(client, tree.top_member)
    assert str(calendar["x-wr-calname"]).startswith("市直机关工委") and summaries(calendar) == []
    assert KeyTask.objects.filter(plan__committee=tree.a.committee_unit).exists()
