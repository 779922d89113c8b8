"""Writes. Views, admin actions, commands and jobs all call these; none of them holds business rules."""

from tasks.services.common import StaleWriteError
from tasks.services.inbox import inbox_mark_read, inbox_message_create
from tasks.services.reports import progress_report_approve, progress_report_return, progress_report_submit

__all__ = [
    "StaleWriteError",
    "inbox_mark_read",
    "inbox_message_create",
    "progress_report_approve",
    "progress_report_return",
    "progress_report_submit",
]
