"""Import the annual plan (年度党建工作要点 / 任务清单) from an Excel workbook typed by hand.

One row is one key task. Every row is checked before anything is written; any error refuses the whole
file, and every error is reported with its row, its column and an explanation. Importing the same file
twice changes nothing; a corrected file updates key tasks by their number.

The file goes through workbook (is it an .xlsx, what does its first sheet hold), rows (every row checked
against columns, with cells and directory) and apply (the writes); service runs them in that order.
template writes the workbook users fill in.
"""

from tasks.services.plan_import.columns import MAX_BYTES, MAX_ROWS
from tasks.services.plan_import.results import ImportIssue, PlanImportError, PlanImportResult
from tasks.services.plan_import.service import plan_import
from tasks.services.plan_import.template import plan_template_workbook

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportIssue",
    "PlanImportError",
    "PlanImportResult",
    "plan_import",
    "plan_template_workbook",
]
