"""Reminders (提醒 / 催办): decided into an outbox of Reminder rows, delivered by jobs after commit.

The scan (`scan`) decides, in one transaction, what is due today (DOMAIN.md, "Reminder ladder") and writes
one row per (assignment, kind, recipient, channel, period) to the outbox (`outbox`). `Reminder.dedup_key` is
unique, and scans take a lock, so however often and however concurrently the scan runs, each reminder is
written once. Inbox rows are delivered inside that same transaction (exactly once); every other channel is
delivered by a job enqueued after commit, which claims its row with a conditional update before sending
(`delivery`: at least once, with at most one duplicate when a worker dies between sending and marking; see
README.md). The sweeper puts back on the queue what a broker outage or a dead worker left behind
(`requeue`). Urges and returned reports are sent at once (`immediate`); `audience` says who gets what, `texts` holds the
words, and `channels` has one transport class per channel, which only `delivery` uses.

Callers import from here. A test that patches a name must patch the module that looks it up (for example
`delivery.random`), not this package.
"""

from tasks.services.reminders.audience import reminder_preferences_update
from tasks.services.reminders.channels import (
    DingTalkTransport,
    EmailTransport,
    InboxTransport,
    TransportError,
    WeComTransport,
    dingtalk_sign,
)
from tasks.services.reminders.delivery import DeliveryOutcome, reminder_deliver, reminder_retry_delay, reminders_claim
from tasks.services.reminders.immediate import assignment_urge, reminder_returned_notify
from tasks.services.reminders.outbox import reminders_enqueue, reminders_store
from tasks.services.reminders.requeue import SweepResult, reminder_resend, reminder_sweep
from tasks.services.reminders.scan import ScanResult, reminder_scan

__all__ = [
    "DeliveryOutcome",
    "DingTalkTransport",
    "EmailTransport",
    "InboxTransport",
    "ScanResult",
    "SweepResult",
    "TransportError",
    "WeComTransport",
    "assignment_urge",
    "dingtalk_sign",
    "reminder_deliver",
    "reminder_preferences_update",
    "reminder_resend",
    "reminder_retry_delay",
    "reminder_returned_notify",
    "reminder_scan",
    "reminder_sweep",
    "reminders_claim",
    "reminders_enqueue",
    "reminders_store",
]
