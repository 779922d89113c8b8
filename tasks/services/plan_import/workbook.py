"""Opening the uploaded file: refuse what is not an .xlsx workbook with a reason, then read its first sheet.

A small file can still be a lot of work: an .xlsx is a zip of XML, and 200 KB may unpack to gigabytes, declare
a sheet of 16,384 columns by a million rows, or hold millions of shared strings or cell styles that openpyxl
loads before the first row is read. So the archive is measured before anything is parsed (`archive_refusal`),
and the sheet is read through a window of the template's width, counting every row, blank ones too
(`first_sheet_rows`). Each limit answers with the same kind of clear message as a file that is too large.
"""

import io
import zipfile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tasks.services.plan_import.columns import (
    HEADER_SEARCH_ROWS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_PARTS,
    MAX_ROWS,
    MAX_STYLE_ELEMENTS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_XML_ELEMENTS,
)
from tasks.services.plan_import.results import ImportIssue

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(MAX_BYTES + 1)


def sniff(content: bytes, name: str) -> tuple[str, str] | None:
    """(code, explanation) of why these bytes are not an .xlsx workbook, or None when they look like one."""
    if not content:
        return "empty", _("The file is empty.")
    if len(content) > MAX_BYTES:
        message = _("The file is larger than %(size)d MB. Split the plan or remove pictures and other sheets.")
        return "too_large", message % {"size": MAX_BYTES // (1024 * 1024)}
    if content.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in content or b"EncryptionInfo" in content.replace(b"\x00", b""):
            return "encrypted", _(
                "The workbook is protected with a password. Remove the password in Excel or WPS "
                "(File > Info > Protect Workbook) and upload it again."
            )
        return "xls", _(
            "This is an old-format Excel file (.xls). Open it in Excel or WPS and save it as "
            '"Excel Workbook (*.xlsx)", then upload the .xlsx file.'
        )
    if not content.startswith(ZIP_MAGIC):
        head = content[:2048]
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = head.decode("gb18030")
            except UnicodeDecodeError:
                text = ""
        if text and ("," in text or "\t" in text):
            return "csv", _(
                "This is a CSV or text file renamed to .xlsx. Open it in Excel or WPS and save it as "
                '"Excel Workbook (*.xlsx)".'
            )
        return "not_xlsx", _("This file is not an Excel workbook (.xlsx). Use the import template.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                if "word/document.xml" in names:
                    return "not_xlsx", _("This is a Word document, not an Excel workbook. Use the import template.")
                return "not_xlsx", _("This file is not an Excel workbook (.xlsx). Use the import template.")
            return archive_refusal(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        return "unreadable", _(
            "The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again and upload it."
        )


def _too_much():
    return "too_much_content", _(
        "The workbook holds far more than a plan needs (unpacked it is over %(size)d MB, or has more than "
        "%(parts)d parts, or hundreds of thousands of cells, texts or cell styles). Copy the plan's rows into the "
        "import template, paste them as values only, and upload that file."
    ) % {"size": MAX_UNCOMPRESSED_BYTES // (1024 * 1024), "parts": MAX_PARTS}


_CHUNK = 1024 * 1024


def _elements(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int) -> int:
    """About how many XML elements the part holds (its "<" that open a tag), counting no further than `limit`.

    Counted in every part whatever its name: openpyxl finds shared strings and sheets through the package's own
    tables, not by file name.
    """
    count, carry = 0, b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            data = carry + chunk
            cut = data.rfind(b"<")  # "</" or "<?" cut in two would be miscounted: carry the tail over
            data, carry = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
            count += data.count(b"<") - data.count(b"</") - data.count(b"<?") - data.count(b"<!")
            if count > limit:
                break
    return count + (1 if carry[:2] not in (b"", b"</", b"<?", b"<!") and count <= limit else 0)


def archive_refusal(archive: zipfile.ZipFile) -> tuple[str, str] | None:
    """Why this archive is more work than any plan, measured before openpyxl parses a byte of it, or None.

    Sizes are those the zip declares: Python's zipfile never unpacks more than a part declares (it fails on
    the checksum instead), so a lie only makes the file unreadable. Elements are what parsing costs: openpyxl
    loads every shared string and cell style when it opens a workbook, and reads a sheet that does not declare
    its size whole, before the first row.
    """
    parts = archive.infolist()
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNCOMPRESSED_BYTES:
        return _too_much()
    budget = MAX_XML_ELEMENTS
    for part in parts:
        limit = MAX_STYLE_ELEMENTS if part.filename == "xl/styles.xml" else budget
        elements = _elements(archive, part, limit)
        budget -= elements
        if elements > limit or budget < 0:
            return _too_much()
    return None


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _too_many_rows() -> ImportIssue:
    return ImportIssue(
        None,
        None,
        "",
        _(
            "The file has more than %(limit)d rows; at most %(limit)d can be imported at once. Empty rows with "
            "formatting count too: delete the rows below the plan."
        )
        % {"limit": MAX_ROWS},
        "too_many_rows",
    )


def first_sheet_rows(content: bytes) -> tuple[list[tuple[int, tuple]], list[ImportIssue]]:
    """The first sheet's non-empty rows as (row number, values), and an issue for every formula: a
    formula's result is only what the program that saved the file last computed, if anything.

    At most MAX_COLUMNS columns of each row are read, whatever width the sheet declares, and every row read
    counts towards the limit, blank or not: a sheet that declares a million rows stops after the limit.
    """
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        return [], [
            ImportIssue(
                None,
                None,
                "",
                _("The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again and upload it."),
                "unreadable",
            )
        ]
    try:
        sheet = workbook.worksheets[0]
        rows, issues = [], []
        for row_index, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if row_index > MAX_ROWS + HEADER_SEARCH_ROWS:
                return [], [_too_many_rows()]
            values = []
            for position, cell in enumerate(row, start=1):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    issues.append(
                        ImportIssue(
                            row_index,
                            get_column_letter(position),
                            "",
                            _("This cell holds a formula. Copy the sheet and paste it as values only, then import."),
                            "formula",
                        )
                    )
                    value = None
                values.append(value)
            if not all(_is_blank(value) for value in values):
                rows.append((row_index, tuple(values)))
        return rows, issues
    finally:
        workbook.close()
