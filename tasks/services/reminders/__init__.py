"""Reminders (提醒 / 催办), split by topic; callers import from here."""

from tasks.services.reminders.scan import (
    assignment_urge,
    reminder_deliver,
    reminder_preferences_update,
    reminder_resend,
    reminder_retry_delay,
    reminder_returned_notify,
    reminder_scan,
    reminder_sweep,
    reminders_enqueue,
    reminders_store,
)

__all__ = [
    "assignment_urge",
    "reminder_deliver",
    "reminder_preferences_update",
    "reminder_resend",
    "reminder_retry_delay",
    "reminder_returned_notify",
    "reminder_scan",
    "reminder_sweep",
    "reminders_enqueue",
    "reminders_store",
]
