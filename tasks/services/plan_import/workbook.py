"""Opening the uploaded file: refuse what is not an .xlsx workbook with a reason, then read its first sheet."""

import io
import zipfile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tasks.services.plan_import.columns import HEADER_SEARCH_ROWS, MAX_BYTES, MAX_ROWS
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
    except zipfile.BadZipFile:
        return "unreadable", _(
            "The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again and upload it."
        )
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return "not_xlsx", _("This is a Word document, not an Excel workbook. Use the import template.")
        return "not_xlsx", _("This file is not an Excel workbook (.xlsx). Use the import template.")
    return None


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def first_sheet_rows(content: bytes) -> tuple[list[tuple[int, tuple]], list[ImportIssue]]:
    """The first sheet's non-empty rows as (row number, values), and an issue for every formula: a
    formula's result is only what the program that saved the file last computed, if anything."""
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
        for row_index, row in enumerate(sheet.iter_rows(), start=1):
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
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                return [], [
                    ImportIssue(
                        None,
                        None,
                        "",
                        _("The file has more than %(limit)d rows; at most %(limit)d can be imported at once.")
                        % {"limit": MAX_ROWS},
                        "too_many_rows",
                    )
                ]
        return rows, issues
    finally:
        workbook.close()
