"""User text in every workbook and CSV file the app writes stays text: a unit named `=HYPERLINK(...)` is shown as
those characters, never run. Tried with every start a spreadsheet takes for a formula, in every text column of
the ledger, the assessment table, the audit log (Excel and CSV) and the import template."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tasks.models import AuditEntry, User
from tasks.services import progress_report_submit
from tasks.services.exports import assessment_export, ledger_export
from tasks.services.plan_import import plan_template_workbook
from tasks.services.spreadsheet_text import csv_text, looks_like_formula
from tests.factories import UserFactory

# Each start Excel, WPS or LibreOffice takes for a formula; full-width ＝ is what a Chinese input method types.
STARTS = ["=", "+", "-", "@", "\t", "＝"]
PAYLOAD = 'HYPERLINK("//x")'  # short: the key task number holds 20 characters, the metric unit 10


@pytest.fixture(params=STARTS, ids=["equals", "plus", "minus", "at", "tab", "full-width-equals"])
def start(request):
    return request.param


@pytest.fixture
def hostile(start, org, committee, secretary_a, assignment_a1):
    """Every piece of user text the workbooks carry begins with `start`."""

    def planted(what: str) -> str:
        return f"{start}{PAYLOAD}{what}"

    for unit in (org.committee_unit, org.branch_a, org.branch_a1, org.branch_b):
        unit.name = planted(unit.name)
        unit.save()
    key_task = assignment_a1.key_task
    key_task.number = planted("1.2")
    key_task.title = planted("标题")
    key_task.metric_unit = f"{start}SUM(1)"
    key_task.save()
    key_task.area.name = planted("政治建设")
    key_task.area.save()
    secretary_a.full_name = planted("张伟")
    secretary_a.save()
    progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=10, narrative=planted("进展"), obstacles=planted("困难")
    )
    return planted


def cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        header = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.row <= 2 and isinstance(cell.value, str):
                    header.setdefault(cell.column, cell.value)
                yield sheet.title, header.get(cell.column, ""), cell


def assert_text_only(content: bytes, start: str) -> set[str]:
    """No cell is a formula; every text that starts like one is a string cell with the quote prefix, exactly as
    written. Returns the headers of the columns where planted text was found."""
    found = set()
    for sheet, header, cell in cells(content):
        assert cell.data_type != "f", f"{sheet}!{cell.coordinate} is a formula: {cell.value!r}"
        if (
            isinstance(cell.value, str)
            and cell.value.startswith(start)
            and ("HYPERLINK" in cell.value or "SUM(1)" in cell.value)
        ):
            assert cell.data_type == "s" and cell.quotePrefix, f"{sheet}!{cell.coordinate} {header}"
            found.add(header)
    return found


def test_the_ledger_writes_every_text_column_as_text(hostile, start, committee, assignment_a1):
    out = io.BytesIO()
    ledger_export(user=committee, out=out, plan=assignment_a1.key_task.plan)
    text_columns = {"序号", "重点任务", "工作方面", "承办单位", "责任人", "计量单位", "最近反馈内容"}
    if not start.strip():
        text_columns.discard("最近反馈内容")  # the report service strips the narrative's surrounding whitespace
    assert assert_text_only(out.getvalue(), start) == text_columns


def test_the_assessment_table_writes_unit_names_as_text(hostile, start, committee, assignment_a1):
    out = io.BytesIO()
    assessment_export(plan=assignment_a1.key_task.plan, out=out, user=committee)
    title = load_workbook(io.BytesIO(out.getvalue())).active["A1"].value  # it names the committee
    assert title.startswith(start) and assert_text_only(out.getvalue(), start) == {"单位", title}


def test_the_import_template_lists_unit_names_as_text(hostile, start):
    assert assert_text_only(plan_template_workbook(), start) == {"unit"}


def test_the_audit_export_keeps_names_as_text_in_excel_and_csv(hostile, start, client, org):
    intruder = UserFactory(username=f"{start}{PAYLOAD}", full_name="x")  # a user name as hostile as a unit's
    client.force_login(intruder)  # its login is audited under that name
    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    client.force_login(auditor)
    xlsx = client.get(reverse("audit_log"), {"export": "xlsx"})
    assert assert_text_only(xlsx.content, start) >= {"username", "object_repr"}

    text = client.get(reverse("audit_log"), {"export": "csv"}).content.decode("utf-8-sig")
    values = [value for row in csv.DictReader(io.StringIO(text)) for value in row.values()]
    assert "'" + start + PAYLOAD in values  # the user name, as written behind the apostrophe
    assert not [value for value in values if looks_like_formula(value)]
    assert AuditEntry.objects.filter(action="export").count() == 2


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ("=1+1", True),
        ("＝SUM(A1:A3)", True),
        ("－1", True),
        ("＋86 138", True),
        ("＠x", True),
        ("\t=1", True),
        ("\r=1", True),
        ("  =1", True),  # a leading space hides nothing
        ("　＝1", True),  # nor an ideographic space
        ("政治建设", False),
        ("1.2", False),
        ("a=b", False),
        (12, False),
        (None, False),
    ],
)
def test_what_looks_like_a_formula(value, formula):
    assert looks_like_formula(value) is formula
    if formula:
        assert csv_text(value) == "'" + value
    else:
        assert csv_text(value) == value
