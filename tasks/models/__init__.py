from tasks.models.calendar import WorkdayOverride
from tasks.models.org import Membership, OrgUnit, User
from tasks.models.plans import AnnualPlan, Area, Assignment, KeyTask
from tasks.models.reminders import InboxMessage, Reminder, Urge
from tasks.models.reports import Comment, Evidence, ExtensionRequest, ProgressReport

__all__ = [
    "AnnualPlan",
    "Area",
    "Assignment",
    "Comment",
    "Evidence",
    "ExtensionRequest",
    "InboxMessage",
    "KeyTask",
    "Membership",
    "OrgUnit",
    "ProgressReport",
    "Reminder",
    "Urge",
    "User",
    "WorkdayOverride",
]
