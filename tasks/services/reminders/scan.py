"""The daily scan: what is due today on the reminder ladder (DOMAIN.md, "Reminder ladder"), decided in one
transaction and written to the outbox.

Due soon at 7, 3 and 1 working days before the deadline; overdue every OVERDUE_EVERY working days, escalated
to the responsible leader after ESCALATE_AFTER; the monthly report from REPORT_DAY; reports waiting
REVIEW_WAIT working days for review; the committee's weekly digest. Each rung is a period in the row's
dedup key, and scans take a lock, so however often and however concurrently the scan runs, each reminder
is written once. What one scan decides for one person on one channel goes out as one bundle (`bundles`).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from tasks import access
from tasks.models import AnnualPlan, Assignment, CascadeLink, ProgressReport, Reminder
from tasks.rules import WorkCalendar
from tasks.selectors.home import awaiting_monthly_report
from tasks.services.reminders.audience import Audience
from tasks.services.reminders.outbox import existing_keys, fan_out, reminders_store
from tasks.services.reminders.texts import (
    TaskInfo,
    assignment_url,
    digest_subject,
    due_soon_texts,
    escalation_texts,
    overdue_texts,
    report_due_texts,
    review_pending_texts,
)

Kind = Reminder.Kind
State = Reminder.State

DUE_SOON_BANDS = ((1, "d1"), (3, "d3"), (7, "d7"))  # working days before the deadline
OVERDUE_EVERY = 5  # working days between overdue reminders
ESCALATE_AFTER = 10  # working days overdue
REPORT_DAY = 25  # monthly reports are due on the 25th, or the next working day
REVIEW_WAIT = 3  # working days a report may wait for review
# Any number that the other features' advisory locks will not use: "PBRM".
SCAN_LOCK_ID = 0x5042524D


@dataclass
class ScanResult:
    today: dt.date
    is_workday: bool
    created: list[Reminder] = field(default_factory=list)  # new rows (unsaved on a dry run)
    already_sent: int = 0  # rows an earlier scan wrote for the same period

    @property
    def to_deliver(self) -> list[Reminder]:
        return [row for row in self.created if row.state == State.PENDING]

    @property
    def bundle_ids(self) -> list[int]:
        """The bundles this scan wrote that a job (or send_reminders) still has to send."""
        return sorted({row.bundle_id for row in self.to_deliver if row.bundle_id})


def _aware_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _workdays_before(calendar: WorkCalendar, today: dt.date, deadline: dt.date) -> int:
    """Working days from today to the deadline, counting a deadline on a day off as the working day
    before it would be: 1 on the last working day before a Saturday deadline."""
    return calendar.workdays_between(today, deadline) + (0 if calendar.is_workday(deadline) else 1)


def _remind(
    audience: Audience, info: TaskInfo, texts: tuple[str, str], *, kind, period, user_ids, unit_ids=()
) -> list[Reminder]:
    """One rung's rows for an assignment. Its URL is made here, not for every assignment scanned: reversing
    one for each of 50,000 assignments, most of which need no reminder, costs."""
    subject, body = texts
    return fan_out(
        audience=audience,
        assignment_id=info.assignment_id,
        kind=kind,
        period=period,
        subject=subject,
        body=body,
        url=info.url,
        user_ids=user_ids,
        unit_ids=unit_ids,
    )


def _assignment_reminders(*, today: dt.date, calendar: WorkCalendar, audience: Audience) -> list[Reminder]:
    ladder = _Ladder(today=today, calendar=calendar, audience=audience)
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
        "key_task__responsible_leader_id",
        "unit__name",
        "unit__short_name",
        named=True,
    )
    rows: list[Reminder] = []
    for row in assignments.iterator(chunk_size=5000):
        rows += ladder.reminders(row)
    return rows


class _Ladder:
    """The rungs of DOMAIN.md's ladder that one open assignment has reached today: due soon, overdue,
    escalation, monthly report due."""

    def __init__(self, *, today: dt.date, calendar: WorkCalendar, audience: Audience):
        self.today, self.calendar, self.audience = today, calendar, audience
        self.month = f"{today:%Y-%m}"
        report_day = calendar.next_workday(today.replace(day=REPORT_DAY))
        # 本月待反馈 is one rule (tasks.selectors.home), shared with the secretary's home and the list filter.
        self.monthly_due = (
            set(
                awaiting_monthly_report(
                    Assignment.objects.filter(key_task__plan__status=AnnualPlan.Status.PUBLISHED), today=today
                ).values_list("id", flat=True)
            )
            if today >= report_day and report_day.month == today.month
            else set()
        )
        # A cascaded assignment (the 工委's key task given to a bureau's committee) is carried by the bureau's own key
        # tasks that answer it: their responsible leaders are told when it slips, as well as the key task's own.
        self.answer_leaders: dict[int, list[int]] = {}
        for assignment_id, leader_id in CascadeLink.objects.filter(
            assignment__is_cascaded=True, key_task__responsible_leader__isnull=False
        ).values_list("assignment_id", "key_task__responsible_leader_id"):
            self.answer_leaders.setdefault(assignment_id, []).append(leader_id)
        # Thousands of assignments share a few hundred deadlines: count working days once per deadline.
        self.workdays_left: dict[dt.date, int] = {}
        self.workdays_late: dict[dt.date, int] = {}

    def reminders(self, row) -> list[Reminder]:
        unit = row.unit__short_name or row.unit__name
        info = TaskInfo(row.id, row.key_task__number, row.key_task__title, unit, row.deadline, row.progress)
        owner = [row.owner_id] if row.owner_id else []
        late = row.deadline < self.today
        rows = self.overdue(row, info, owner) if late else self.due_soon(row, info, owner)
        if row.id in self.monthly_due:
            rows += _remind(
                self.audience,
                info,
                report_due_texts(info, self.month),
                kind=Kind.REPORT_DUE,
                period=self.month,
                user_ids=owner,
                unit_ids=[row.unit_id],
            )
        return rows

    def due_soon(self, row, info: TaskInfo, owner: list[int]) -> list[Reminder]:
        deadline = row.deadline
        if deadline not in self.workdays_left:
            self.workdays_left[deadline] = _workdays_before(self.calendar, self.today, deadline)
        left = self.workdays_left[deadline]
        for limit, band in DUE_SOON_BANDS:
            if left <= limit:
                secretaries = self.audience.secretaries.get(row.unit_id, []) if band == "d1" else []
                return _remind(
                    self.audience,
                    info,
                    due_soon_texts(info, left),
                    kind=Kind.DUE_SOON,
                    period=f"{band}:{deadline}",
                    user_ids=owner + secretaries,
                    unit_ids=[row.unit_id],
                )
        return []

    def overdue(self, row, info: TaskInfo, owner: list[int]) -> list[Reminder]:
        deadline = row.deadline
        if deadline not in self.workdays_late:
            self.workdays_late[deadline] = self.calendar.workdays_between(deadline, self.today)
        overdue = self.workdays_late[deadline]
        rows = []
        if overdue >= 1:
            step = (overdue - 1) // OVERDUE_EVERY * OVERDUE_EVERY + 1
            rows += _remind(
                self.audience,
                info,
                overdue_texts(info, overdue),
                kind=Kind.OVERDUE,
                period=f"o{step}:{deadline}",
                user_ids=owner + self.audience.secretaries.get(row.unit_id, []),
                unit_ids=[row.unit_id],
            )
        leaders = [row.key_task__responsible_leader_id] if row.key_task__responsible_leader_id else []
        leaders += self.answer_leaders.get(row.id, [])
        if overdue >= ESCALATE_AFTER and leaders:
            rows += _remind(
                self.audience,
                info,
                escalation_texts(info, overdue),
                kind=Kind.ESCALATION,
                period=f"{deadline}",
                user_ids=leaders,
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
        "assignment__unit_id",
        "percent",
        "submitted_at",
        "author__full_name",
        "author__username",
        "assignment__key_task__number",
        "assignment__key_task__title",
        "assignment__unit__name",
        "assignment__unit__short_name",
        "assignment__key_task__plan__committee_id",
    )
    for (
        report_id,
        assignment_id,
        unit_id,
        percent,
        submitted_at,
        author_name,
        username,
        number,
        title,
        unit,
        short,
        committee_id,
    ) in waiting:
        submitted_on = timezone.localdate(submitted_at)
        waited = calendar.workdays_between(submitted_on, today)
        if waited < REVIEW_WAIT:
            continue
        subject, body = review_pending_texts(
            task=f"{number} {title}",
            unit=short or unit,
            author=author_name or username,
            percent=percent,
            submitted_on=submitted_on,
            waited=waited,
        )
        rows += fan_out(
            audience=audience,
            assignment_id=assignment_id,
            kind=Kind.REVIEW_PENDING,
            period=f"report{report_id}",
            subject=subject,
            body=body,
            url=assignment_url(assignment_id) + f"#report-{report_id}",
            user_ids=audience.reviewers_of(unit_id, committee_id=committee_id),
        )
    return rows


def digest_period(today: dt.date) -> str:
    year, week, _weekday = today.isocalendar()
    return f"{year}-W{week:02d}"


def _digest_reminders(*, today: dt.date, calendar: WorkCalendar, audience: Audience) -> list[Reminder]:
    """The weekly digest goes out with the week's first scan (Monday, or the first working day after a
    Monday holiday), one a committee, of its own subtree, to its members (and its unit's robot); its tables are
    worked out only when some member still lacks it."""
    from tasks.selectors import weekly_digest

    period = digest_period(today)
    rows = []
    for committee_id, members in access.committee_members(audience.committee).items():
        planned = fan_out(
            audience=audience,
            assignment_id=None,
            kind=Kind.WEEKLY_DIGEST,
            period=period,
            subject="",
            body="",
            url="",
            user_ids=members,
            unit_ids=[committee_id] if committee_id in audience.committee_units else [],
        )
        if not planned or len(existing_keys([row.dedup_key for row in planned])) == len(planned):
            rows += planned  # all sent already: the caller drops them without reading their (empty) texts
            continue
        digest = weekly_digest(today=today, committee_id=committee_id)
        if not digest.has_content:
            continue
        subject, body = digest_subject(period, digest), digest.summary()
        for row in planned:
            row.subject, row.body, row.url = subject[:200], body, reverse("home")
        rows += planned
    return rows


# What the scan asks, in this order, for the day's rows. Each source returns unsaved Reminder rows (built with
# outbox.fan_out, so each has its unique key); the scan drops those already written and bundles the rest. A
# feature with items of its own (organisational life's meetings not held) adds one function here and one
# kind in kinds.KINDS; the bundles take its rows as they are (bundles.LINE_SOURCES for other words).
def _orglife_reminders(*, today: dt.date, calendar: WorkCalendar, audience: Audience) -> list[Reminder]:
    from tasks.services.orglife.reminders import orglife_reminders

    return orglife_reminders(today=today, calendar=calendar, audience=audience)


SOURCES = [_assignment_reminders, _review_reminders, _digest_reminders, _orglife_reminders]


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
        rows = [row for source in SOURCES for row in source(today=today, calendar=calendar, audience=audience)]
        existing = existing_keys([row.dedup_key for row in rows])
        new_rows = list({row.dedup_key: row for row in rows if row.dedup_key not in existing}.values())
        result.already_sent = len(rows) - len(new_rows)
        if dry_run:
            result.created = new_rows
            return result
        result.created = reminders_store(new_rows, audience=audience, day=today, daily=True, enqueue=enqueue)
    return result
