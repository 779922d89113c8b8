"""Reminders (提醒 / 催办): decided into a ledger of Reminder rows, delivered in bundles by jobs after commit.

The scan (`scan`) decides, in one transaction, what is due today (DOMAIN.md, "Reminder ladder") and writes
one row per (assignment, kind, recipient, channel, period) to the outbox (`outbox`). `Reminder.dedup_key` is
unique, and scans take a lock, so however often and however concurrently the scan runs, each reminder is
written once. What the scan decides for one person on one channel goes out as one bundle (`bundles`): one
e-mail, one inbox entry, one robot message per unit group. Inbox bundles are delivered inside the scan's
transaction (exactly once); every other bundle by a job enqueued after commit, which claims it with a
conditional update before sending and marks it with its items after (`delivery`: at least once, with at most
one duplicate bundle when a worker dies between sending and marking; see README.md). The sweeper puts back
on the queue what a broker outage or a dead worker left behind (`requeue`). Urges, returned reports and the
other immediate kinds go at once, each alone (`immediate`); `kinds` says which kind is which, `audience` who
gets what, `texts` holds the words, and `channels` has one transport class per channel, which only `delivery`
uses.

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
from tasks.services.reminders.delivery import DeliveryOutcome, bundle_deliver, bundles_claim, reminder_retry_delay
from tasks.services.reminders.immediate import (
    assignment_urge,
    reminder_difficulty_answered_notify,
    reminder_notify,
    reminder_returned_notify,
)
from tasks.services.reminders.outbox import bundles_enqueue, reminders_store
from tasks.services.reminders.requeue import SweepResult, bundle_resend, reminder_resend, reminder_sweep
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
    "bundle_deliver",
    "bundle_resend",
    "bundles_claim",
    "bundles_enqueue",
    "dingtalk_sign",
    "reminder_difficulty_answered_notify",
    "reminder_notify",
    "reminder_preferences_update",
    "reminder_resend",
    "reminder_retry_delay",
    "reminder_returned_notify",
    "reminder_scan",
    "reminder_sweep",
    "reminders_store",
]
