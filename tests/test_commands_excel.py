"""The Excel and Word commands: the same services as the web, errors on stderr with a non-zero exit.
One test converts the demo's ledger, assessment table and annual report to PDF with LibreOffice."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from openpyxl import load_workbook

from tasks.demo import demo_build
from tasks.demo.org_data import COMMITTEE
from tasks.models import AnnualPlan, Assignment, KeyTask
from tests.support_exports import build_year
from tests.test_services_plan_import import good_rows, xlsx


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_plan_writes_the_template_and_imports_a_file(org, committee, secretary_a, secretary_b, tmp_path):
    template = tmp_path / "模板.xlsx"
    run("import_plan", "--template", str(template))
    assert load_workbook(template)["任务清单"]["A1"].value == "工作方面*"

    plan_file = tmp_path / "plan.xlsx"
    plan_file.write_bytes(xlsx(good_rows()))
    out, _ = run("import_plan", str(plan_file), "--year", "2023", "--dry-run")
    assert "3 new" in out and not KeyTask.objects.exists()

    out, _ = run("import_plan", str(plan_file), "--year", "2023")
    assert "3 new" in out and KeyTask.objects.filter(plan__year=2023).count() == 3


def test_import_plan_lists_every_error_on_stderr_and_fails(org, committee, secretary_a, secretary_b, tmp_path):
    rows = good_rows()
    rows[0][4] = "不存在的支部"
    rows[1][14] = "每周"
    plan_file = tmp_path / "plan.xlsx"
    plan_file.write_bytes(xlsx(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_plan", str(plan_file), "--year", "2023", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert "第 2 行" in lines[0] and "“E”列" in lines[0] and "牵头单位" in lines[0]
    assert "第 3 行" in lines[1] and "“O”列" in lines[1] and "反馈频次" in lines[1]
    assert not AnnualPlan.objects.exists()


def test_import_plan_refuses_an_xls_file(db, tmp_path):
    old = tmp_path / "plan.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_plan", str(old), "--year", "2023", stdout=io.StringIO(), stderr=io.StringIO())


def test_rollover_plan_copies_into_next_year(org, committee, secretary_a, secretary_b):
    build_year(org, committee, secretary_a, secretary_b)
    out, _ = run("rollover_plan", "--year", "2023")
    assert "2024" in out
    assert Assignment.objects.filter(key_task__plan__year=2024).count() == 6
    with pytest.raises(CommandError, match="2024"):
        call_command("rollover_plan", "--year", "2023", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no plan"):
        call_command("export_ledger", "--year", "1999", "-o", "x.xlsx", stdout=io.StringIO())


def test_the_demo_exports_open_in_libreoffice(db, tmp_path):
    """The whole chain on the demo's 2023 plan: three commands, then LibreOffice converts all three files."""
    demo_build(password="Demo-pass-2023", today=dt.date(2023, 12, 31))
    ledger, assessment, report = tmp_path / "台账.xlsx", tmp_path / "考核.xlsx", tmp_path / "报告.docx"
    # The bureau of the reference report: the demo's tree has the 工委 above it and a sister bureau, so the commands
    # must name the committee (tests/test_exports_committees.py).
    bureau = ("--committee", COMMITTEE)
    out, _ = run("export_ledger", "--year", "2023", *bureau, "-o", str(ledger))
    assignments = Assignment.objects.filter(
        key_task__plan__year=2023, key_task__plan__committee__name=COMMITTEE
    ).count()
    assert out.startswith(f"{assignments} rows") and assignments >= 100  # the reference plan: 100 assignments
    assert len(list(load_workbook(ledger, read_only=True).active.iter_rows())) == assignments + 1
    run("export_assessment", "--year", "2023", *bureau, "-o", str(assessment), "--weight", "overdue_penalty=0")
    run("annual_report", "--year", "2023", *bureau, "-o", str(report))
    assert "（一）政治建设" in [p.text for p in Document(report).paragraphs]

    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        from tests.conftest import require_service

        require_service("no LibreOffice: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
    pdf_dir = tmp_path / "pdf"
    # A throw-away profile: a shared one is locked by any other running LibreOffice.
    completed = subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdf_dir),
            str(ledger),
            str(assessment),
            str(report),
        ],
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for source in (ledger, assessment, report):
        pdf = pdf_dir / f"{source.stem}.pdf"
        # LibreOffice exits 0 even when it cannot load a file: the PDF itself is the proof.
        assert pdf.is_file(), (source.name, completed.stdout, completed.stderr)
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
