"""Writes. Views, admin actions, commands and jobs all call these; none of them holds business rules."""

from tasks.services.comments import comment_create
from tasks.services.common import StaleWriteError
from tasks.services.difficulties import difficulty_answer
from tasks.services.extensions import extension_request_create, extension_request_decide
from tasks.services.inbox import inbox_mark_read, inbox_message_create
from tasks.services.reports import progress_report_approve, progress_report_return, progress_report_submit

__all__ = [
    "StaleWriteError",
    "comment_create",
    "difficulty_answer",
    "extension_request_create",
    "extension_request_decide",
    "inbox_mark_read",
    "inbox_message_create",
    "progress_report_approve",
    "progress_report_return",
    "progress_report_submit",
]
