"""The outbox: Reminder rows, one per (assignment, kind, recipient, channel, period), each with the unique
`dedup_key` that keeps a reminder from being written twice. Storing rows delivers the inbox ones in the same
transaction; the rest are handed to the broker after commit."""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tasks.jobs import deliver_reminder, deliver_reminder_batch
from tasks.models import InboxMessage, Reminder
from tasks.services.reminders.audience import Audience

Channel = Reminder.Channel
State = Reminder.State


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


def _inbox_messages_create(reminder_ids: list[int], *, created_at) -> None:
    """The inbox messages of just-written inbox rows, copied inside the database: a scan writes thousands,
    and building them as model instances was a third of its time on PostgreSQL (bench/RESULTS.md)."""
    inbox = connection.ops.quote_name(InboxMessage._meta.db_table)
    outbox = connection.ops.quote_name(Reminder._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(created_at)
    with connection.cursor() as cursor:
        for start in range(0, len(reminder_ids), 900):
            chunk = reminder_ids[start : start + 900]
            cursor.execute(
                f"INSERT INTO {inbox} (user_id, reminder_id, title, body, url, created_at, read_at) "  # noqa: S608
                f"SELECT recipient_id, id, subject, body, url, %s, NULL FROM {outbox} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [stamp, *chunk],
            )


def reminders_store(rows: list[Reminder], *, enqueue: bool = True) -> list[Reminder]:
    """Insert outbox rows in the caller's transaction. Inbox rows are delivered right here, in the same
    transaction (a database write: exactly once); the rest are handed to delivery jobs after commit."""
    if not rows:
        return []
    now = timezone.now()
    for row in rows:
        if row.channel == Channel.INBOX:
            row.state, row.sent_at, row.claimed_at, row.attempts = State.SENT, now, now, 1
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, batch_size=1000)
        if any(row.pk is None for row in rows):  # a backend that cannot return ids from a bulk insert
            ids = dict(
                Reminder.objects.filter(dedup_key__in=[r.dedup_key for r in rows]).values_list("dedup_key", "id")
            )
            for row in rows:
                row.pk = row.id = ids[row.dedup_key]
        _inbox_messages_create([row.pk for row in rows if row.channel == Channel.INBOX], created_at=now)
        if enqueue:
            pending = [row for row in rows if row.state == State.PENDING]
            if pending:
                enqueue_on_commit(pending)
    return rows


def enqueue_on_commit(rows: list[Reminder]) -> None:
    def enqueue_reminders():
        reminders_enqueue(rows)

    # robust: a broker outage must not turn a committed urge into an error page; the sweeper resends.
    transaction.on_commit(enqueue_reminders, robust=True)


def reminders_enqueue(rows: list[Reminder]) -> None:
    """Hand rows to the broker: e-mails in batches that share one SMTP connection, each robot message
    alone (one slow webhook never holds up another). A failure here loses nothing: the sweeper retries."""
    emails = [row.pk for row in rows if row.channel == Channel.EMAIL]
    size = settings.REMINDER_EMAIL_BATCH_SIZE
    for start in range(0, len(emails), size):
        deliver_reminder_batch.delay(emails[start : start + size])
    for row in rows:
        if row.channel != Channel.EMAIL:
            deliver_reminder.delay(row.pk)
