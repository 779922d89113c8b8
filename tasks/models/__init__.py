from tasks.models.api import ApiToken
from tasks.models.audit import AuditEntry, DenialWindow
from tasks.models.calendar import WorkdayOverride
from tasks.models.feeds import CalendarFeedToken
from tasks.models.org import AdministratorAccount, Membership, OrgUnit, User
from tasks.models.orglife import Attendance, MeetingFile, MeetingRecord, MeetingType, PartyGroup, PartyMember
from tasks.models.plans import AnnualPlan, Area, Assignment, CascadeLink, KeyTask, LightBasis, PlanTally
from tasks.models.reminders import Bundle, InboxMessage, Reminder, Urge
from tasks.models.reports import Comment, DifficultyAnswer, Evidence, ExtensionRequest, ProgressReport
from tasks.models.security import PasswordHistory
from tasks.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AdministratorAccount",
    "AnnualPlan",
    "ApiToken",
    "Area",
    "Assignment",
    "Attendance",
    "AuditEntry",
    "Bundle",
    "CalendarFeedToken",
    "CascadeLink",
    "Comment",
    "DenialWindow",
    "DifficultyAnswer",
    "Evidence",
    "ExtensionRequest",
    "InboxMessage",
    "KeyTask",
    "LightBasis",
    "MeetingFile",
    "MeetingRecord",
    "MeetingType",
    "Membership",
    "OrgUnit",
    "PartyGroup",
    "PartyMember",
    "PasswordHistory",
    "PlanTally",
    "ProgressReport",
    "Reminder",
    "Urge",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkdayOverride",
]
