"""Import the annual plan (年度党建工作要点 / 任务清单) from an Excel workbook typed by hand."""

from tasks.services.plan_import.rows import (
    MAX_BYTES,
    MAX_ROWS,
    ImportIssue,
    PlanImportError,
    PlanImportResult,
    plan_import,
    plan_template_workbook,
)

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportIssue",
    "PlanImportError",
    "PlanImportResult",
    "plan_import",
    "plan_template_workbook",
]
