"""The outbox: Reminder rows, one per (assignment, kind, recipient, channel, period), each with the unique
`dedup_key` that keeps a reminder from being written twice, and the bundles that carry them. Storing rows
delivers the inbox bundles in the same transaction; the rest are handed to the broker after commit."""

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.jobs import deliver_bundle, deliver_bundle_batch
from tasks.models import Bundle, InboxMessage, Reminder
from tasks.rules import WorkCalendar
from tasks.services.reminders.audience import Audience
from tasks.services.reminders.bundles import compose, quiet_until
from tasks.services.reminders.kinds import KINDS, spec

Channel = Reminder.Channel
State = Reminder.State
IMMEDIATE_KINDS = [kind for kind, kind_spec in KINDS.items() if kind_spec.immediate]


def _row(*, assignment_id, kind, channel, period, subject, body, url, recipient_id=None, unit_id=None) -> Reminder:
    key = {
        "assignment_id": assignment_id,
        "kind": kind,
        "recipient_id": recipient_id,
        "recipient_unit_id": unit_id,
        "channel": channel,
        "period": period,
    }
    return Reminder(**key, subject=subject[:200], body=body, url=url, dedup_key=Reminder.make_dedup_key(**key))


def fan_out(
    *, audience: Audience, assignment_id, kind, period, subject, body, url, user_ids=(), unit_ids=()
) -> list[Reminder]:
    """One row per recipient and channel: the inbox always, e-mail when the user chose it and has an
    address, and the group robot of each unit that set one up."""
    common = {
        "assignment_id": assignment_id,
        "kind": kind,
        "period": period,
        "subject": subject,
        "body": body,
        "url": url,
    }
    rows = []
    for user_id in dict.fromkeys(user_ids):
        user = audience.users.get(user_id)
        if user is None:
            continue
        rows.append(_row(channel=Channel.INBOX, recipient_id=user_id, **common))
        if user.notify_by_email and user.email:
            rows.append(_row(channel=Channel.EMAIL, recipient_id=user_id, **common))
    for unit_id in dict.fromkeys(unit_ids):
        robot = audience.robots.get(unit_id)
        if robot:
            rows.append(_row(channel=robot, unit_id=unit_id, **common))
    return rows


def existing_keys(keys: list[str]) -> set[str]:
    """The keys among these that the outbox already holds (in chunks a query's parameters can take)."""
    found = set()
    for start in range(0, len(keys), 5000):
        found.update(
            Reminder.objects.filter(dedup_key__in=keys[start : start + 5000]).values_list("dedup_key", flat=True)
        )
    return found


def reminders_store(
    rows: list[Reminder],
    *,
    audience: Audience,
    day: dt.date | None = None,
    daily: bool = False,
    enqueue: bool = True,
) -> list[Reminder]:
    """Insert ledger rows with their bundles in the caller's transaction, deliver the inbox bundles right here
    (a database write: exactly once) and hand the rest to delivery jobs after commit.

    With `daily` (the scan), the rows join the day's bundles, one per recipient and channel, together with
    rows an earlier scan left unbundled. A recipient whose bundle for the day exists already (a second scan
    that day) gets the new rows in the next day's bundle: one scan bundle a day, never a second.
    Without it (an immediate kind), every row is a bundle of its own."""
    if not rows and not daily:
        return []
    now = timezone.now()
    day = day or timezone.localdate(now)
    with transaction.atomic():
        waiting = []
        if daily:
            waiting = list(
                Reminder.objects.filter(bundle__isnull=True, state=State.PENDING).exclude(kind__in=IMMEDIATE_KINDS)
            )
        groups = compose(rows + waiting, day=day, users=audience.users, daily=daily)
        taken = set(Bundle.objects.filter(key__in=[bundle.key for bundle, _ in groups]).values_list("key", flat=True))
        groups = [(bundle, items) for bundle, items in groups if bundle.key not in taken]
        _hold_quiet_emails(groups, audience=audience, now=now)
        for bundle, _items in groups:
            if bundle.channel == Channel.INBOX:
                bundle.state, bundle.sent_at, bundle.claimed_at, bundle.attempts = State.SENT, now, now, 1
        Bundle.objects.bulk_create([bundle for bundle, _ in groups], batch_size=1000)
        if any(bundle.pk is None for bundle, _ in groups):  # a backend that cannot return ids from a bulk insert
            ids = dict(Bundle.objects.filter(key__in=[b.key for b, _ in groups]).values_list("key", "id"))
            for bundle, _items in groups:
                bundle.pk = bundle.id = ids[bundle.key]
        earlier: dict[Bundle, list[int]] = defaultdict(list)  # rows an earlier scan left unbundled
        for bundle, items in groups:
            for row in items:
                row.bundle_id = bundle.pk
                if bundle.channel == Channel.INBOX:
                    row.state, row.sent_at, row.claimed_at, row.attempts = State.SENT, now, now, 1
                if row.pk is not None:
                    earlier[bundle].append(row.pk)
        if rows:
            Reminder.objects.bulk_create(rows, batch_size=1000)
        for bundle, ids in earlier.items():
            delivered = {"state": State.SENT, "sent_at": now, "claimed_at": now, "attempts": 1}
            changes = delivered if bundle.channel == Channel.INBOX else {}
            Reminder.objects.filter(pk__in=ids).update(bundle_id=bundle.pk, **changes)
        InboxMessage.objects.bulk_create(
            [inbox_message(bundle, items) for bundle, items in groups if bundle.channel == Channel.INBOX],
            batch_size=1000,
        )
        if enqueue:
            pending = [bundle for bundle, _ in groups if bundle.state == State.PENDING and bundle.not_before is None]
            if pending:
                enqueue_on_commit(pending)
    return rows


def _hold_quiet_emails(groups, *, audience: Audience, now) -> None:
    """Quiet mode (each user's choice, on by default): an e-mail of an immediate kind written on a day off
    waits until 09:00 of the next working day; the inbox has it at once, and an urge is never held."""
    quiet = [
        bundle
        for bundle, items in groups
        if not bundle.daily
        and bundle.channel == Channel.EMAIL
        and spec(items[0].kind).quiet
        and getattr(audience.users.get(bundle.recipient_id), "quiet_days_off", False)
    ]
    if not quiet:
        return
    until = quiet_until(now=now, calendar=WorkCalendar.load())
    for bundle in quiet:
        bundle.not_before = until


def inbox_message(bundle: Bundle, items: list[Reminder]) -> InboxMessage:
    """A bundle's inbox entry opens to its items (tasks.views.inbox); an item alone links where it points."""
    if not bundle.daily:
        row = items[0]
        return InboxMessage(
            user_id=bundle.recipient_id,
            bundle=bundle,
            reminder=row,
            title=row.subject[:200],
            body=row.body,
            url=row.url,
        )
    counts = Counter(row.kind for row in items)
    lines = [
        _("%(heading)s: %(n)d") % {"heading": spec(kind).heading, "n": counts[kind]}
        for kind in sorted(counts, key=lambda kind: spec(kind).urgency)
    ]
    return InboxMessage(
        user_id=bundle.recipient_id,
        bundle=bundle,
        title=(_("Today's reminders: %(counts)s") % {"counts": bundle.subject})[:200],
        body="\n".join(lines),
        url="",
    )


def enqueue_on_commit(bundles: list[Bundle]) -> None:
    def enqueue_bundles():
        bundles_enqueue(bundles)

    # robust: a broker outage must not turn a committed urge into an error page; the sweeper resends.
    transaction.on_commit(enqueue_bundles, robust=True)


def bundles_enqueue(bundles: list[Bundle]) -> None:
    """Hand bundles to the broker: e-mails in batches that share one SMTP connection, each robot message
    alone (one slow webhook never holds up another). A failure here loses nothing: the sweeper retries."""
    emails = [bundle.pk for bundle in bundles if bundle.channel == Channel.EMAIL]
    size = settings.REMINDER_EMAIL_BATCH_SIZE
    for start in range(0, len(emails), size):
        deliver_bundle_batch.delay(emails[start : start + size])
    for bundle in bundles:
        if bundle.channel != Channel.EMAIL:
            deliver_bundle.delay(bundle.pk)
