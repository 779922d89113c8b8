"""Hostile workbooks: small files that are a lot of work. Each is built here, byte by byte, and must be refused
with a clear message in well under two seconds, before openpyxl parses what the archive holds.

Measured before the caps (README, "Excel and Word"): a 2 KB file declaring A1:XFD1048576 made openpyxl pad every
row to 16,384 cells (about 30 minutes of CPU); 5 million shared strings in 208 KB took 583 MB and 58 s; 512 KB of
whitespace took 1.16 GB.
"""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from tasks.services.plan_import import PlanImportError, plan_import, workbook
from tasks.services.plan_import.columns import MAX_COLUMNS
from tests.test_services_plan_import import HEADERS, good_rows

MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
# Unguarded, these shapes keep openpyxl busy for minutes; refused, they take well under a second. The bound is
# wide because tests share busy machines: it catches the pathology, not a slow moment.
SECONDS = 30.0


def template_workbook() -> dict[str, bytes]:
    """The parts of a real, small workbook with the template's headers (made by openpyxl)."""
    workbook = Workbook()
    workbook.active.append(HEADERS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_parts(**replacements) -> bytes:
    """The template workbook with some parts replaced by generators of bytes (written as they come, deflated)."""
    parts = template_workbook()
    out = io.BytesIO()
    # Level 1: quick to build here; an attacker's level 9 makes the same content smaller still.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in parts.items():
            if name not in replacements:
                archive.writestr(name, content)
        for name, chunks in replacements.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return out.getvalue()


def shared_strings_part(chunks) -> dict:
    """A shared-strings part that openpyxl really loads: declared in the content types and the workbook's
    relationships (openpyxl finds it there, not by its name)."""
    parts = template_workbook()
    types = parts["[Content_Types].xml"].decode()
    if "sharedStrings" not in types:
        types = types.replace(
            "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'
        )
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    if "sharedStrings" not in rels:
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId99" Type="{SHARED_STRINGS_REL}" Target="sharedStrings.xml"/></Relationships>',
        )
    return {
        "[Content_Types].xml": [types.encode()],
        "xl/_rels/workbook.xml.rels": [rels.encode()],
        "xl/sharedStrings.xml": chunks,
    }


def huge_declared_dimension():
    """2 KB: a sheet that declares 16,384 columns by 1,048,576 rows and holds two cells, at each end."""
    yield MAIN + b'<dimension ref="A1:XFD1048576"/><sheetData>'
    yield '<row r="1"><c r="A1" t="inlineStr"><is><t>工作方面</t></is></c></row>'.encode()
    yield b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'


def millions_of_shared_strings(element: bytes):
    yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield element * 5_000_000
    yield b"</sst>"


def whitespace(megabytes: int):
    yield MAIN + b"<sheetData>"
    for _ in range(megabytes):
        yield b" " * (1024 * 1024)
    yield b"</sheetData></worksheet>"


def blank_rows(count: int):
    """Rows holding nothing but a space each: blank to a reader, work all the same."""
    yield MAIN + b"<sheetData>"
    yield b'<row><c t="inlineStr"><is><t> </t></is></c></row>' * count
    yield b"</sheetData></worksheet>"


def styles(count: int):
    yield b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield f'<cellXfs count="{count}">'.encode()
    yield b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * count
    yield b"</cellXfs></styleSheet>"


SHAPES = {
    "huge declared dimension": lambda: with_parts(**{"xl/worksheets/sheet1.xml": huge_declared_dimension()}),
    "5 million shared strings (95 MB unpacked)": lambda: with_parts(
        **shared_strings_part(millions_of_shared_strings(b"<si><t>a</t></si>"))
    ),
    "5 million empty shared strings (25 MB unpacked)": lambda: with_parts(
        **shared_strings_part(millions_of_shared_strings(b"<si/>"))
    ),
    "a file of whitespace": lambda: with_parts(**{"xl/worksheets/sheet1.xml": whitespace(60)}),
    "a million rows of whitespace": lambda: with_parts(**{"xl/worksheets/sheet1.xml": blank_rows(1_000_000)}),
    "200,000 cell styles": lambda: with_parts(**{"xl/styles.xml": styles(200_000)}),
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_a_hostile_workbook_is_refused_quickly_with_a_clear_message(org, committee, shape):
    content = SHAPES[shape]()
    assert len(content) < 1024 * 1024, "the point: a small upload, far below the 10 MB limit on the file"
    started = time.monotonic()
    with pytest.raises(PlanImportError) as refused:
        plan_import(file=io.BytesIO(content), year=2023, user=committee, file_name="计划.xlsx")
    assert time.monotonic() - started < SECONDS
    (issue,) = refused.value.issues
    assert issue.code in ("too_many_rows", "too_much_content") and issue.row is None
    assert "导入模板" in issue.message or "空行" in issue.message


def test_blank_rows_count_towards_the_row_limit(org, committee, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    content = with_parts(**{"xl/worksheets/sheet1.xml": blank_rows(20)})
    with pytest.raises(PlanImportError) as refused:
        plan_import(file=io.BytesIO(content), year=2023, user=committee)
    assert [issue.code for issue in refused.value.issues] == ["too_many_rows"]
    assert "空行" in refused.value.issues[0].message  # says why a sheet that looks short is refused


def test_only_the_templates_columns_are_read_whatever_width_the_sheet_declares():
    def declared_wide():
        yield MAIN + b'<dimension ref="A1:XFD3"/><sheetData>'
        yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        yield b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>far</t></is></c></row></sheetData></worksheet>'

    rows, issues = workbook.first_sheet_rows(with_parts(**{"xl/worksheets/sheet1.xml": declared_wide()}))
    assert issues == [] and [number for number, _values in rows] == [1]  # the far cell is never read
    assert all(len(values) == MAX_COLUMNS for _number, values in rows)


def test_a_full_size_plan_passes_every_cap():
    """5,000 rows with long descriptions, some 15 MB unpacked and 210,000 elements: well within the caps (read
    as such by the import tests of tests/test_services_plan_import.py)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("任务清单")
    sheet.append(HEADERS)
    for number in range(1, 5001):
        row = good_rows()[0]
        row[1], row[3] = f"1.{number}", f"具体内容{number}" * 60
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert sum(part.file_size for part in archive.infolist()) > 10 * 1024 * 1024
        assert workbook.archive_refusal(archive) is None
