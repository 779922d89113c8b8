from tasks.models.audit import AuditEntry, DenialWindow
from tasks.models.calendar import WorkdayOverride
from tasks.models.feeds import CalendarFeedToken
from tasks.models.org import AdministratorAccount, Membership, OrgUnit, User
from tasks.models.plans import AnnualPlan, Area, Assignment, KeyTask, LightBasis
from tasks.models.reminders import Bundle, InboxMessage, Reminder, Urge
from tasks.models.reports import Comment, Evidence, ExtensionRequest, ProgressReport
from tasks.models.security import PasswordHistory

__all__ = [
    "AdministratorAccount",
    "AnnualPlan",
    "Area",
    "Assignment",
    "AuditEntry",
    "Bundle",
    "CalendarFeedToken",
    "Comment",
    "DenialWindow",
    "Evidence",
    "ExtensionRequest",
    "InboxMessage",
    "KeyTask",
    "LightBasis",
    "Membership",
    "OrgUnit",
    "PasswordHistory",
    "ProgressReport",
    "Reminder",
    "Urge",
    "User",
    "WorkdayOverride",
]
