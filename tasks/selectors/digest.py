"""Reads for reminders: the committee's weekly digest (周报).

The digest goes to committee members only, one digest a committee, the same for every member of it. It reads the
committee's own published plan: lights by area and by unit (the units its key tasks are given to: branches, or the
committees below for a 机关工委), its most overdue assignments, the reports it reviews itself. A committee with
committees below it adds one line per committee (`by_committee`): that committee's plan of the year as the roll-up
shows it (tasks.selectors.rollup), never the branches below nor their assignments (README "Many committees").

Its own tables compute each light by the one rule (compute_light) as of the digest's day, not from the stored
column: the e-mail is rendered when it is sent, from the day its bundle was decided, and a scan may be run for
another day (send_reminders --today). The lines by committee are the roll-up's, from the stored lights made current:
storing lights as of another day than today would rewrite every stored light and send overdue webhooks again.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import AnnualPlan, Assignment, KeyTask, ProgressReport
from tasks.rules import Light, LightRules, WorkCalendar, compute_light
from tasks.rules.figures import percent_text
from tasks.selectors.rollup import CommitteeRow, plans_rollup

MOST_OVERDUE = 10
PENDING_SHOWN = 20


@dataclass
class LightCount:
    label: str
    red: int = 0
    yellow: int = 0


@dataclass(frozen=True)
class OverdueLine:
    assignment_id: int
    task: str
    unit: str
    owner: str
    deadline: dt.date
    overdue_workdays: int
    progress: int


@dataclass(frozen=True)
class PendingLine:
    report_id: int
    assignment_id: int
    task: str
    unit: str
    author: str
    percent: int
    submitted_on: dt.date
    waited_workdays: int


@dataclass(frozen=True)
class CommitteeLine:
    """A committee below, from its own plan of the year: its red and yellow lights and 办结率 (completion rate)."""

    committee_id: int
    label: str
    year: int
    red: int
    yellow: int
    completion_rate: Decimal | None

    @classmethod
    def of(cls, row: CommitteeRow) -> "CommitteeLine":
        counts = row.lights.counts
        return cls(
            row.committee.pk,
            row.committee.label,
            row.plan.year,
            counts[Light.RED],
            counts[Light.YELLOW],
            row.lights.completion_rate,
        )


@dataclass
class Digest:
    today: dt.date
    by_area: list[LightCount] = field(default_factory=list)
    by_unit: list[LightCount] = field(default_factory=list)
    most_overdue: list[OverdueLine] = field(default_factory=list)
    pending_reports: list[PendingLine] = field(default_factory=list)
    pending_count: int = 0
    assignment_count: int = 0
    by_committee: list[CommitteeLine] | None = None  # None: no committee below (a leaf committee's digest)

    @property
    def red_total(self) -> int:
        return sum(line.red for line in self.by_area)

    @property
    def yellow_total(self) -> int:
        return sum(line.yellow for line in self.by_area)

    @property
    def has_content(self) -> bool:
        return bool(self.assignment_count or self.pending_count or self.by_committee)

    def summary(self) -> str:
        """The digest in a few lines, for the inbox and the group robots (e-mail has the full tables)."""
        lines = [
            _("Overdue (red): %(red)d; warnings (yellow): %(yellow)d; reports waiting for review: %(reports)d.")
            % {"red": self.red_total, "yellow": self.yellow_total, "reports": self.pending_count}
        ]
        units = [line for line in self.by_unit if line.red or line.yellow]
        if units:
            lines.append(
                _("By unit: %(units)s")
                % {"units": "; ".join(f"{line.label} ▲{line.red} ◆{line.yellow}" for line in units)}
            )
        if self.by_committee:
            lines.append(_("By committee (red / yellow / completion rate):"))
            lines += [
                f"- {line.label}: {line.red} / {line.yellow} / {percent_text(line.completion_rate)}"
                for line in self.by_committee
            ]
        if self.most_overdue:
            lines.append(_("Most overdue:"))
            lines += [
                _("%(task)s (%(unit)s): %(n)d working days")
                % {"task": line.task, "unit": line.unit, "n": line.overdue_workdays}
                for line in self.most_overdue
            ]
        return "\n".join(lines)


ASSIGNMENT_FIELDS = (
    "id",
    "deadline",
    "progress",
    "last_approved_at",
    "key_task__start_date",
    "key_task__cadence",
    "key_task__number",
    "key_task__title",
    "key_task__area__sort_order",
    "key_task__area__name",
    "unit__sort_order",
    "unit__name",
    "unit__short_name",
    "owner__full_name",
    "owner__username",
)


def weekly_digest(*, today: dt.date, calendar: WorkCalendar | None = None, committee_id: int | None = None) -> Digest:
    """Red and yellow counts by area and by unit, the ten most overdue assignments, reports to review: of
    `committee_id`'s own published plans (None: every plan); and with committees below it, one line for each."""
    calendar = calendar or WorkCalendar.load()
    digest = Digest(today=today)
    tally = _Tally(today=today, calendar=calendar)
    plans = AnnualPlan.objects.filter(status=AnnualPlan.Status.PUBLISHED)
    if committee_id is not None:
        plans = plans.filter(committee_id=committee_id)
        below = access.committees_below([committee_id])
        if below:
            rows = plans_rollup(
                AnnualPlan.objects.filter(committee_id__in=below, year=today.year, status=AnnualPlan.Status.PUBLISHED)
            )
            digest.by_committee = [CommitteeLine.of(row) for row in rows]
    assignments = Assignment.objects.filter(status=Assignment.Status.IN_PROGRESS, key_task__plan__in=plans).values_list(
        *ASSIGNMENT_FIELDS
    )
    for row in assignments.iterator(chunk_size=5000):
        digest.assignment_count += 1
        tally.add(dict(zip(ASSIGNMENT_FIELDS, row, strict=True)))
    digest.by_area = [tally.by_area[key] for key in sorted(tally.by_area)]
    digest.by_unit = [tally.by_unit[key] for key in sorted(tally.by_unit)]
    digest.most_overdue = sorted(
        tally.overdue, key=lambda line: (-line.overdue_workdays, line.deadline, line.assignment_id)
    )[:MOST_OVERDUE]
    digest.pending_count, digest.pending_reports = _pending_reports(today=today, calendar=calendar, plans=plans)
    return digest


class _Tally:
    """Red and yellow assignments counted by area and unit, and the red ones as lines."""

    def __init__(self, *, today: dt.date, calendar: WorkCalendar):
        self.today, self.calendar, self.rules = today, calendar, LightRules.from_settings()
        self.by_area: dict[tuple, LightCount] = {}
        self.by_unit: dict[tuple, LightCount] = {}
        self.overdue: list[OverdueLine] = []
        self.lights: dict[tuple, Light] = {}

    def light(self, row: dict) -> Light:
        # compute_light is pure, and assignments of one key task mostly share its inputs: work each out once.
        monthly = row["key_task__cadence"] == KeyTask.Cadence.MONTHLY
        start, deadline, progress = row["key_task__start_date"], row["deadline"], row["progress"]
        inputs = (start, deadline, progress, row["last_approved_at"], monthly)
        if inputs not in self.lights:
            self.lights[inputs] = compute_light(
                start=start,
                deadline=deadline,
                progress=progress,
                completed_on=None,
                monthly=monthly,
                last_approved_on=row["last_approved_at"],
                today=self.today,
                calendar=self.calendar,
                rules=self.rules,
            )
        return self.lights[inputs]

    def add(self, row: dict) -> None:
        light = self.light(row)
        if light not in (Light.RED, Light.YELLOW):
            return
        unit = row["unit__short_name"] or row["unit__name"]
        area = row["key_task__area__name"]
        for table, key, label in (
            (self.by_area, (row["key_task__area__sort_order"], area), area),
            (self.by_unit, (row["unit__sort_order"], row["unit__name"]), unit),
        ):
            count = table.setdefault(key, LightCount(label))
            if light == Light.RED:
                count.red += 1
            else:
                count.yellow += 1
        if light == Light.RED:
            self.overdue.append(
                OverdueLine(
                    row["id"],
                    f"{row['key_task__number']} {row['key_task__title']}",
                    unit,
                    row["owner__full_name"] or row["owner__username"] or "",
                    row["deadline"],
                    self.calendar.workdays_between(row["deadline"], self.today),
                    row["progress"],
                )
            )


def _pending_reports(*, today: dt.date, calendar: WorkCalendar, plans) -> tuple[int, list[PendingLine]]:
    """How many reports wait for review in `plans` (published), and the longest-waiting ones as lines."""
    pending = ProgressReport.objects.filter(
        state=ProgressReport.State.SUBMITTED, assignment__key_task__plan__in=plans
    ).order_by("submitted_at", "id")
    lines = []
    for report in pending.select_related("author", "assignment__key_task", "assignment__unit")[:PENDING_SHOWN]:
        submitted_on = timezone.localdate(report.submitted_at)
        lines.append(
            PendingLine(
                report.pk,
                report.assignment_id,
                f"{report.assignment.key_task.number} {report.assignment.key_task.title}",
                report.assignment.unit.label,
                report.author.display_name,
                report.percent,
                submitted_on,
                max(0, calendar.workdays_between(submitted_on, today)),
            )
        )
    return pending.count(), lines
