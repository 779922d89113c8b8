"""Forms, by page: `work` (reports, reviews, extensions, comments, urges, the workbench filter), `exports`
(plan import), `plans` (the committee's key task and assignment edits), `security` (the audit log search).
Forms shape input only; rules live in services and come back as errors on fields. They may import models and
the constants of services; views import them from here.
"""

from tasks.forms.api import ApiTokenForm, WebhookDeleteForm, WebhookEndpointForm
from tasks.forms.exports import PlanImportForm
from tasks.forms.orglife import (
    MeetingRecordForm,
    MeetingTypeForm,
    PartyGroupForm,
    PartyMemberForm,
    RosterImportForm,
)
from tasks.forms.plans import AssignmentAddForm, AssignmentForm, CascadeLinkForm, KeyTaskForm
from tasks.forms.security import AuditSearchForm, LoginForm
from tasks.forms.work import (
    CommentForm,
    DifficultyAnswerForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressReportForm,
    ReviewForm,
    UrgeForm,
    WorkbenchFilterForm,
)

__all__ = [
    "ApiTokenForm",
    "AssignmentAddForm",
    "AssignmentForm",
    "AuditSearchForm",
    "CascadeLinkForm",
    "CommentForm",
    "DifficultyAnswerForm",
    "ExtensionDecisionForm",
    "ExtensionRequestForm",
    "KeyTaskForm",
    "LoginForm",
    "MeetingRecordForm",
    "MeetingTypeForm",
    "PartyGroupForm",
    "PartyMemberForm",
    "PlanImportForm",
    "ProgressReportForm",
    "ReviewForm",
    "RosterImportForm",
    "UrgeForm",
    "WebhookDeleteForm",
    "WebhookEndpointForm",
    "WorkbenchFilterForm",
]
