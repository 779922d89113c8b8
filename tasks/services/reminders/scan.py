"""Reminders (提醒 / 催办): decided into an outbox of Reminder rows, delivered by jobs after commit.

The scan decides, in one transaction, what is due today (DOMAIN.md, "Reminder ladder") and writes one row
per (assignment, kind, recipient, channel, period). `Reminder.dedup_key` is unique, and scans take a
lock, so however often and however concurrently the scan runs, each reminder is written once. Inbox rows
are delivered inside that same transaction (exactly once); every other channel is delivered by a job
enqueued after commit, which claims its row with a conditional update before sending (at least once,
with at most one duplicate when a worker dies between sending and marking; see README.md).
"""

import datetime as dt
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.channels import TransportError, TransportSet
from tasks.models import (
    AnnualPlan,
    Assignment,
    InboxMessage,
    KeyTask,
    Membership,
    OrgUnit,
    ProgressReport,
    Reminder,
    Urge,
    User,
)
from tasks.services.common import require
from tasks.workdays import WorkCalendar

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Channel = Reminder.Channel
State = Reminder.State

DUE_SOON_BANDS = ((1, "d1"), (3, "d3"), (7, "d7"))  # working days before the deadline
OVERDUE_EVERY = 5  # working days between overdue reminders
ESCALATE_AFTER = 10  # working days overdue
REPORT_DAY = 25  # monthly reports are due on the 25th, or the next working day
REVIEW_WAIT = 3  # working days a report may wait for review
# Any number that the other features' advisory locks will not use: "PBRM".
SCAN_LOCK_ID = 0x5042524D


# --- Who gets what ------------------------------------------------------------------------------------


@dataclass
class Audience:
    """Everything the scan needs about people and units, loaded once (a few queries, whatever the size)."""

    users: dict[int, User]
    secretaries: dict[int, list[int]]  # unit id -> its secretaries, or those of the nearest unit above
    committee: list[int]
    reviewers: list[int]
    robots: dict[int, str]  # unit id -> robot channel
    committee_units: list[int]

    @classmethod
    def load(cls) -> "Audience":
        users = {
            user.pk: user
            for user in User.objects.filter(is_active=True).only(
                "id",
                "username",
                "email",
                "notify_by_email",
                "full_name",
                "first_name",
                "last_name",
                "is_active",
            )
        }
        parents = dict(OrgUnit.objects.values_list("id", "parent_id"))
        direct: dict[int, list[int]] = defaultdict(list)
        committee: list[int] = []
        for unit_id, user_id, role in (
            Membership.objects.filter(role__in=[Membership.Role.SECRETARY, Membership.Role.COMMITTEE])
            .order_by("unit_id", "user_id")
            .values_list("unit_id", "user_id", "role")
        ):
            if user_id not in users:
                continue
            if role == Membership.Role.SECRETARY:
                direct[unit_id].append(user_id)
            elif user_id not in committee:
                committee.append(user_id)
        secretaries = {}
        for unit_id in parents:
            # A sub-branch without its own secretary is run by the secretary of the unit above it.
            current, seen = unit_id, set()
            while current is not None and not direct.get(current) and current not in seen:
                seen.add(current)
                current = parents.get(current)
            secretaries[unit_id] = direct.get(current, []) if current is not None else []
        extra = [user.pk for user in users.values() if user.username in settings.EXTRA_REVIEWERS]
        reviewers = [user_id for user_id in dict.fromkeys(committee + extra) if access.can_review(users[user_id])]
        robots, committee_units = {}, []
        for unit in OrgUnit.objects.filter(is_active=True).exclude(robot_kind="").exclude(robot_webhook_url=""):
            robots[unit.pk] = unit.robot_kind
        for unit_id in OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMITTEE).values_list("id", flat=True):
            committee_units.append(unit_id)
        return cls(users, secretaries, committee, reviewers, robots, committee_units)


def _row(*, assignment_id, kind, channel, period, subject, body, url, recipient_id=None, unit_id=None) -> Reminder:
    return Reminder(
        assignment_id=assignment_id,
        kind=kind,
        recipient_id=recipient_id,
        recipient_unit_id=unit_id,
        channel=channel,
        period=period,
        subject=subject[:200],
        body=body,
        url=url,
        dedup_key=Reminder.make_dedup_key(
            assignment_id=assignment_id,
            kind=kind,
            recipient_id=recipient_id,
            recipient_unit_id=unit_id,
            channel=channel,
            period=period,
        ),
    )


def fan_out(
    *, audience: Audience, assignment_id, kind, period, subject, body, url, user_ids=(), unit_ids=()
) -> list[Reminder]:
    """One row per recipient and channel: the inbox always, e-mail when the user chose it and has an
    address, and the group robot of each unit that set one up."""
    rows = []
    for user_id in dict.fromkeys(user_ids):
        user = audience.users.get(user_id)
        if user is None:
            continue
        common = {
            "assignment_id": assignment_id,
            "kind": kind,
            "period": period,
            "subject": subject,
            "body": body,
            "url": url,
            "recipient_id": user_id,
        }
        rows.append(_row(channel=Channel.INBOX, **common))
        if user.notify_by_email and user.email:
            rows.append(_row(channel=Channel.EMAIL, **common))
    for unit_id in dict.fromkeys(unit_ids):
        robot = audience.robots.get(unit_id)
        if robot:
            rows.append(
                _row(
                    assignment_id=assignment_id,
                    kind=kind,
                    period=period,
                    subject=subject,
                    body=body,
                    url=url,
                    channel=robot,
                    unit_id=unit_id,
                )
            )
    return rows


# --- Texts (the same words on every channel; e-mail templates wrap them) --------------------------------


@cache
def _assignment_url_parts() -> tuple[str, str]:
    marker = "987654321"
    before, after = reverse("assignment_detail", args=[int(marker)]).split(marker)
    return before, after


def assignment_url(assignment_id: int) -> str:
    """reverse("assignment_detail") without its cost, which adds up over thousands of reminders a scan."""
    before, after = _assignment_url_parts()
    return f"{before}{assignment_id}{after}"


@dataclass(frozen=True)
class TaskInfo:
    assignment_id: int
    number: str
    title: str
    unit: str
    deadline: dt.date
    progress: int

    @property
    def task(self) -> str:
        return f"{self.number} {self.title}"

    def text_values(self, **extra) -> dict:
        """The placeholders every reminder text may use, plus the kind's own."""
        return {
            "task": self.task,
            "unit": self.unit,
            "deadline": self.deadline.isoformat(),
            "progress": self.progress,
            **extra,
        }

    @property
    def url(self) -> str:
        return assignment_url(self.assignment_id)


def _due_soon_texts(info: TaskInfo, left: int) -> tuple[str, str]:
    values = info.text_values(n=left)
    subject = (_("Due today: %(task)s") if left == 0 else _("Due in %(n)d working days: %(task)s")) % values
    body = (
        _(
            "The assignment “%(task)s” of %(unit)s is due on %(deadline)s, at %(progress)d%% approved "
            "progress. "
            "Please report progress before the deadline, or ask for an extension now if it cannot be met."
        )
        % values
    )
    return subject, body


def _overdue_texts(info: TaskInfo, overdue: int) -> tuple[str, str]:
    values = info.text_values(n=overdue)
    subject = _("Overdue by %(n)d working days: %(task)s") % values
    body = (
        _(
            "The assignment “%(task)s” of %(unit)s was due on %(deadline)s and is %(n)d working days "
            "overdue, at %(progress)d%% approved progress. Please finish it and report, saying what is in "
            "the way and what help "
            "is needed."
        )
        % values
    )
    return subject, body


def _escalation_texts(info: TaskInfo, overdue: int) -> tuple[str, str]:
    values = info.text_values(n=overdue)
    subject = _("Escalation: %(task)s (%(unit)s) is %(n)d working days overdue") % values
    body = (
        _(
            "You are the responsible leader of key task %(task)s. The assignment of %(unit)s was due on "
            "%(deadline)s "
            "and is %(n)d working days overdue, at %(progress)d%% approved progress."
        )
        % values
    )
    return subject, body


def _report_due_texts(info: TaskInfo, month: str) -> tuple[str, str]:
    values = info.text_values(month=month)
    subject = _("Monthly report due: %(task)s") % values
    body = (
        _(
            "%(unit)s has not reported on “%(task)s” this month (%(month)s). This key task is reported "
            "monthly: "
            "please submit this month's progress report."
        )
        % values
    )
    return subject, body


# --- The scan -----------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    today: dt.date
    is_workday: bool
    created: list[Reminder] = field(default_factory=list)  # new rows (unsaved on a dry run)
    already_sent: int = 0  # rows an earlier scan wrote for the same period

    @property
    def to_deliver(self) -> list[Reminder]:
        return [row for row in self.created if row.state == State.PENDING]


def _aware_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _workdays_before(calendar: WorkCalendar, today: dt.date, deadline: dt.date) -> int:
    """Working days from today to the deadline, counting a deadline on a day off as the working day
    before it would be: 1 on the last working day before a Saturday deadline."""
    return calendar.workdays_between(today, deadline) + (0 if calendar.is_workday(deadline) else 1)


def _assignment_reminders(*, today: dt.date, calendar: WorkCalendar, audience: Audience) -> list[Reminder]:
    rows: list[Reminder] = []
    monthly_reported = set(
        ProgressReport.objects.filter(
            assignment__key_task__cadence=KeyTask.Cadence.MONTHLY,
            submitted_at__gte=_aware_midnight(today.replace(day=1)),
            submitted_at__lt=_aware_midnight(today + dt.timedelta(days=1)),
        ).values_list("assignment_id", flat=True)
    )
    report_day = calendar.next_workday(today.replace(day=REPORT_DAY))
    # Thousands of assignments share a few hundred deadlines: count working days once per deadline.
    workdays_left: dict[dt.date, int] = {}
    workdays_late: dict[dt.date, int] = {}
    month = f"{today:%Y-%m}"
    assignments = Assignment.objects.filter(
        status=Assignment.Status.IN_PROGRESS, key_task__plan__status=AnnualPlan.Status.PUBLISHED
    ).values_list(
        "id",
        "deadline",
        "unit_id",
        "owner_id",
        "progress",
        "key_task__number",
        "key_task__title",
        "key_task__start_date",
        "key_task__cadence",
        "key_task__responsible_leader_id",
        "unit__name",
        "unit__short_name",
    )
    for (
        assignment_id,
        deadline,
        unit_id,
        owner_id,
        progress,
        number,
        title,
        start,
        cadence,
        leader_id,
        unit_name,
        unit_short,
    ) in assignments.iterator(chunk_size=5000):
        info = TaskInfo(assignment_id, number, title, unit_short or unit_name, deadline, progress)
        owner = [owner_id] if owner_id else []
        secretaries = audience.secretaries.get(unit_id, [])
        # No URL here: reversing one for each of 50,000 assignments, most of which need no reminder, costs.
        common = {"audience": audience, "assignment_id": assignment_id}
        if deadline >= today:
            if deadline not in workdays_left:
                workdays_left[deadline] = _workdays_before(calendar, today, deadline)
            left = workdays_left[deadline]
            for limit, band in DUE_SOON_BANDS:
                if left <= limit:
                    subject, body = _due_soon_texts(info, left)
                    rows += fan_out(
                        kind=Kind.DUE_SOON,
                        period=f"{band}:{deadline}",
                        subject=subject,
                        body=body,
                        user_ids=owner + (secretaries if band == "d1" else []),
                        unit_ids=[unit_id],
                        url=info.url,
                        **common,
                    )
                    break
        else:
            if deadline not in workdays_late:
                workdays_late[deadline] = calendar.workdays_between(deadline, today)
            overdue = workdays_late[deadline]
            if overdue >= 1:
                step = (overdue - 1) // OVERDUE_EVERY * OVERDUE_EVERY + 1
                subject, body = _overdue_texts(info, overdue)
                rows += fan_out(
                    kind=Kind.OVERDUE,
                    period=f"o{step}:{deadline}",
                    subject=subject,
                    body=body,
                    user_ids=owner + secretaries,
                    unit_ids=[unit_id],
                    url=info.url,
                    **common,
                )
            if overdue >= ESCALATE_AFTER and leader_id:
                subject, body = _escalation_texts(info, overdue)
                rows += fan_out(
                    kind=Kind.ESCALATION,
                    period=f"{deadline}",
                    subject=subject,
                    body=body,
                    user_ids=[leader_id],
                    url=info.url,
                    **common,
                )
        if (
            cadence == KeyTask.Cadence.MONTHLY
            and start <= today
            and today >= report_day
            and report_day.month == today.month
            and assignment_id not in monthly_reported
        ):
            subject, body = _report_due_texts(info, month)
            rows += fan_out(
                kind=Kind.REPORT_DUE,
                period=month,
                subject=subject,
                body=body,
                user_ids=owner,
                unit_ids=[unit_id],
                url=info.url,
                **common,
            )
    return rows


def _review_reminders(*, today: dt.date, calendar: WorkCalendar, audience: Audience) -> list[Reminder]:
    rows = []
    waiting = ProgressReport.objects.filter(
        state=ProgressReport.State.SUBMITTED,
        assignment__key_task__plan__status=AnnualPlan.Status.PUBLISHED,
        submitted_at__lt=_aware_midnight(today),
    ).values_list(
        "id",
        "assignment_id",
        "percent",
        "submitted_at",
        "author__full_name",
        "author__username",
        "assignment__key_task__number",
        "assignment__key_task__title",
        "assignment__unit__name",
        "assignment__unit__short_name",
    )
    for (
        report_id,
        assignment_id,
        percent,
        submitted_at,
        author_name,
        username,
        number,
        title,
        unit,
        short,
    ) in waiting:
        submitted_on = timezone.localdate(submitted_at)
        waited = calendar.workdays_between(submitted_on, today)
        if waited < REVIEW_WAIT:
            continue
        values = {
            "task": f"{number} {title}",
            "unit": short or unit,
            "author": author_name or username,
            "percent": percent,
            "date": submitted_on.isoformat(),
            "n": waited,
        }
        rows += fan_out(
            audience=audience,
            assignment_id=assignment_id,
            kind=Kind.REVIEW_PENDING,
            period=f"report{report_id}",
            subject=_("Report waiting for review: %(task)s (%(unit)s)") % values,
            body=_(
                "The report of %(percent)d%% that %(author)s submitted on %(date)s has waited %(n)d "
                "working days "
                "for review."
            )
            % values,
            url=assignment_url(assignment_id) + f"#report-{report_id}",
            user_ids=audience.reviewers,
        )
    return rows


def digest_period(today: dt.date) -> str:
    year, week, _weekday = today.isocalendar()
    return f"{year}-W{week:02d}"


def _digest_reminders(*, today: dt.date, audience: Audience) -> list[Reminder]:
    """The weekly digest goes out with the week's first scan (Monday, or the first working day after a
    Monday holiday); its tables are worked out only when some committee member still lacks it."""
    from tasks.selectors_reminders import weekly_digest

    period = digest_period(today)
    planned = fan_out(
        audience=audience,
        assignment_id=None,
        kind=Kind.WEEKLY_DIGEST,
        period=period,
        subject="",
        body="",
        url="",
        user_ids=audience.committee,
        unit_ids=audience.committee_units,
    )
    if not planned or len(_existing_keys([row.dedup_key for row in planned])) == len(planned):
        return planned  # all sent already: the caller drops them without reading their (empty) texts
    digest = weekly_digest(today=today)
    if not digest.has_content:
        return []
    subject = _("Weekly digest %(week)s: %(red)d overdue, %(yellow)d warnings, %(reports)d reports to review") % {
        "week": period,
        "red": digest.red_total,
        "yellow": digest.yellow_total,
        "reports": digest.pending_count,
    }
    body = digest.summary()
    for row in planned:
        row.subject, row.body, row.url = subject[:200], body, reverse("home")
    return planned


def _existing_keys(keys: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(keys), 5000):
        found.update(
            Reminder.objects.filter(dedup_key__in=keys[start : start + 5000]).values_list("dedup_key", flat=True)
        )
    return found


def _lock_scans() -> None:
    """Serialise scans (two beats, a beat and a cron run): the second waits, then finds the first's rows.
    SQLite needs nothing: settings open every transaction with BEGIN IMMEDIATE, a database-wide write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_ID])


def reminder_scan(
    *, today: dt.date | None = None, dry_run: bool = False, enqueue: bool = True, scan: bool = True
) -> ScanResult:
    """Decide and write today's reminders. Does nothing on a day off (urges are not scanned: they are sent
    when pressed). With `enqueue=False` nothing is handed to the broker (send_reminders delivers itself)."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    result = ScanResult(today=today, is_workday=calendar.is_workday(today))
    if not result.is_workday or not scan:
        return result
    with transaction.atomic():
        if not dry_run:
            _lock_scans()
        audience = Audience.load()
        rows = _assignment_reminders(today=today, calendar=calendar, audience=audience)
        rows += _review_reminders(today=today, calendar=calendar, audience=audience)
        rows += _digest_reminders(today=today, audience=audience)
        existing = _existing_keys([row.dedup_key for row in rows])
        new_rows = list({row.dedup_key: row for row in rows if row.dedup_key not in existing}.values())
        result.already_sent = len(rows) - len(new_rows)
        if dry_run:
            result.created = new_rows
            return result
        result.created = reminders_store(new_rows, enqueue=enqueue)
    return result


# --- Storing and dispatching -----------------------------------------------------------------------------


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
                _enqueue_on_commit(pending)
    return rows


def _enqueue_on_commit(rows: list[Reminder]) -> None:
    def enqueue_reminders():
        reminders_enqueue(rows)

    # robust: a broker outage must not turn a committed urge into an error page; the sweeper resends.
    transaction.on_commit(enqueue_reminders, robust=True)


def reminders_enqueue(rows: list[Reminder]) -> None:
    """Hand rows to the broker: e-mails in batches that share one SMTP connection, each robot message
    alone (one slow webhook never holds up another). A failure here loses nothing: the sweeper retries."""
    from tasks.jobs import deliver_reminder, deliver_reminder_batch

    emails = [row.pk for row in rows if row.channel == Channel.EMAIL]
    size = settings.REMINDER_EMAIL_BATCH_SIZE
    for start in range(0, len(emails), size):
        deliver_reminder_batch.delay(emails[start : start + size])
    for row in rows:
        if row.channel != Channel.EMAIL:
            deliver_reminder.delay(row.pk)


# --- Delivery ----------------------------------------------------------------------------------------------


@dataclass
class DeliveryOutcome:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)  # back to pending after a temporary error
    skipped: list[int] = field(default_factory=list)  # sent, sending or gone: someone else has it
    attempts: int = 0  # the highest attempt count among rows to retry (for the backoff)


def reminder_retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of base·2^(attempt-1), never above the cap
    (which settings keep below the broker's visibility timeout)."""
    ceiling = min(settings.REMINDER_RETRY_MAX_SECONDS, settings.REMINDER_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def reminders_claim(reminder_ids) -> dict[int, Reminder]:
    """Take pending rows for sending with one conditional update; returns the rows this call took.

    The rows are stamped with this claim's own time, so a concurrent claimer (which can only take rows
    that are still pending) never gets the same row, and the claimed rows load in one query."""
    claimed_at = timezone.now()
    Reminder.objects.filter(pk__in=reminder_ids, state=State.PENDING).update(
        state=State.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    return (
        Reminder.objects.filter(pk__in=reminder_ids, state=State.SENDING, claimed_at=claimed_at)
        .select_related("recipient", "recipient_unit", "assignment__key_task", "assignment__unit")
        .in_bulk()
    )


def _mark_sent(reminder_id: int) -> None:
    """Delivery's hot path: a plain statement, because compiling the ORM's update() costs three times as
    much as running it, a sixth of the CPU spent per e-mail (bench/RESULTS.md)."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, sent_at = %s, last_error = '' WHERE id = %s",  # noqa: S608 - no user input
            [State.SENT.value, sent_at, reminder_id],
        )


def _retries_used_up(reminder: Reminder) -> bool:
    """A temporary failure (server down, timeout) is retried until the row has had REMINDER_MAX_ATTEMPTS
    attempts *and* is REMINDER_RETRY_WINDOW_SECONDS old. Attempts alone ran out 8 to 15 minutes after the
    first, so a ten-minute SMTP outage failed rows for good until an admin re-sent them (bench/RESULTS.md)."""
    age = (timezone.now() - reminder.created_at).total_seconds()
    return reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS and age >= settings.REMINDER_RETRY_WINDOW_SECONDS


def reminder_deliver(*, reminder_ids, transports: TransportSet | None = None) -> DeliveryOutcome:
    """Claim the rows, then send them one by one, marking each as soon as it is sent (a worker dying
    mid-batch can leave at most the one row it was sending both sent and unmarked). One row's failure
    never stops the others."""
    outcome = DeliveryOutcome()
    owned = transports is None
    transports = transports or TransportSet()
    reminder_ids = list(reminder_ids)
    try:
        claimed = reminders_claim(reminder_ids)
        for reminder_id in reminder_ids:
            reminder = claimed.get(reminder_id)
            if reminder is None:  # sent, being sent by someone else, failed, or gone
                outcome.skipped.append(reminder_id)
                continue
            try:
                transports.for_channel(reminder.channel).send(reminder)
            except TransportError as error:
                failure = error
            except Exception as error:  # a bug in one transport must not block the other rows
                logger.exception("reminder %s: unexpected error", reminder_id)
                failure = TransportError(repr(error))
            else:
                _mark_sent(reminder_id)
                outcome.sent.append(reminder_id)
                continue
            message = f"attempt {reminder.attempts}: {failure}"[:2000]
            if failure.permanent or _retries_used_up(reminder):
                Reminder.objects.filter(pk=reminder_id).update(state=State.FAILED, last_error=message)
                outcome.failed.append(reminder_id)
                logger.warning("reminder %s failed for good: %s", reminder_id, message)
            else:
                Reminder.objects.filter(pk=reminder_id).update(state=State.PENDING, last_error=message)
                outcome.retry.append(reminder_id)
                outcome.attempts = max(outcome.attempts, reminder.attempts)
                logger.info("reminder %s will be retried: %s", reminder_id, message)
    finally:
        if owned:
            transports.close()
    return outcome


@dataclass
class SweepResult:
    released: int  # rows a dead worker left in "sending"
    requeued: list[int]


def reminder_sweep(*, now: dt.datetime | None = None, limit: int = 10_000, enqueue: bool = True) -> SweepResult:
    """Re-enqueue what a broker outage or a dead worker left behind.

    A row stuck in "sending" past the claim timeout is released: its worker died after claiming, perhaps
    after sending (the one duplicate the design allows). A pending row not handed to the broker for a
    while is handed again; `claimed_at` on a pending row records that hand-over, so a long queue is not
    enqueued again every five minutes."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            Reminder.objects.filter(
                state=State.SENDING,
                claimed_at__lt=now - dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS),
            ).values_list("pk", flat=True)
        )
        released = Reminder.objects.filter(pk__in=stuck, state=State.SENDING).update(state=State.PENDING)
        cutoff = now - dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER_SECONDS)
        stale = Reminder.objects.filter(state=State.PENDING).filter(
            Q(pk__in=stuck) | Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff)
        )
        rows = list(stale.order_by("id").only("id", "channel")[:limit])
        Reminder.objects.filter(pk__in=[row.pk for row in rows], state=State.PENDING).update(claimed_at=now)
        if enqueue and rows:
            _enqueue_on_commit(rows)
    if released or rows:
        logger.warning("reminder sweep: released %d stuck rows, re-enqueued %d pending rows", released, len(rows))
    return SweepResult(released=released, requeued=[row.pk for row in rows])


def reminder_resend(*, reminders) -> int:
    """The admin's "re-send": failed (or sent) rows go back to pending with a fresh attempt count."""
    with transaction.atomic():
        ids = list(reminders.exclude(state=State.SENDING).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=ids).update(
            state=State.PENDING, attempts=0, last_error="", claimed_at=None, sent_at=None
        )
        rows = list(Reminder.objects.filter(pk__in=ids).only("id", "channel"))
        if rows:
            _enqueue_on_commit(rows)
    return len(ids)


# --- Reminders sent at once -------------------------------------------------------------------------------


def _task_info(assignment: Assignment) -> TaskInfo:
    return TaskInfo(
        assignment.pk,
        assignment.key_task.number,
        assignment.key_task.title,
        assignment.unit.label,
        assignment.deadline,
        assignment.progress,
    )


def reminder_returned_notify(*, report: ProgressReport) -> list[Reminder]:
    """Tell the author at once that their report was returned and why (inbox now, e-mail after commit)."""
    assignment = Assignment.objects.select_related("key_task", "unit").get(pk=report.assignment_id)
    info = _task_info(assignment)
    rows = fan_out(
        audience=Audience.load(),
        assignment_id=assignment.pk,
        kind=Kind.RETURNED,
        period=f"report{report.pk}",
        subject=_("Report returned: %(task)s") % {"task": info.task},
        body=report.review_comment,
        url=info.url + f"#report-{report.pk}",
        user_ids=[report.author_id],
    )
    return reminders_store(rows)


def assignment_urge(*, assignment: Assignment, urged_by, message: str = "") -> Urge:
    """催办: sent at once, holidays included, to the owner and the unit's secretary (and the unit's robot)."""
    require(access.can_urge(urged_by))
    message = message.strip()[:500]
    with transaction.atomic():
        assignment = Assignment.objects.select_related("key_task", "unit").get(pk=assignment.pk)
        urge = Urge.objects.create(assignment=assignment, urged_by=urged_by, message=message)
        audience = Audience.load()
        info = _task_info(assignment)
        values = info.text_values(who=urged_by.display_name)
        body = (
            _(
                "%(who)s urges %(unit)s to move “%(task)s” forward (deadline %(deadline)s, approved progress "
                "%(progress)d%%)."
            )
            % values
        )
        if message:
            body += "\n\n" + message
        rows = fan_out(
            audience=audience,
            assignment_id=assignment.pk,
            kind=Kind.URGE,
            period=f"urge{urge.pk}",
            subject=_("Urged by %(who)s: %(task)s") % values,
            body=body,
            url=info.url,
            user_ids=([assignment.owner_id] if assignment.owner_id else [])
            + audience.secretaries.get(assignment.unit_id, []),
            unit_ids=[assignment.unit_id],
        )
        reminders_store(rows)
    return urge


def reminder_preferences_update(*, user, notify_by_email: bool) -> None:
    """The user's channels: the inbox is always on; e-mail is their choice."""
    User.objects.filter(pk=user.pk).update(notify_by_email=notify_by_email)
    user.notify_by_email = notify_by_email
