"""Bundles: what one scan decided for one person (or one unit's group robot) on one channel reaches them as
one message (DOMAIN.md, "People get bundles, not floods").

The ledger stays per item: one `Reminder` row per (assignment, kind, recipient, channel, period), under its
unique key. A bundle (`Bundle`) groups the rows that go out together; delivery claims, sends and marks it
as a whole, so a crash between sending and marking repeats one whole bundle, never part of one.

`compose` groups rows into bundles (the scan's daily bundle per recipient and channel, or one bundle per
item for immediate kinds and for people who chose one e-mail per item). `sections` turns a bundle's items
into what every channel shows: one section per kind, most urgent first, items listed (cut after a few, with
a link to the filtered list) or counted by unit (escalations, reports to review).

**Another source of items.** A section is built from `BundleLine`s. Reminder rows (assignments, reports)
become lines through `_lines_from_reminders`; a feature with items that are not assignments (say, meetings
that have not been held) writes its own Reminder rows with `assignment=None`, a kind of its own in
`kinds.KINDS`, and a `LINE_SOURCES` entry that turns such rows into lines (their subject, url and unit).
Nothing else here changes: subject counts, ordering, cutting, the robots' parts and the templates all work
on lines.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import Bundle, Reminder, User
from tasks.services.reminders.kinds import KINDS, spec

Channel = Reminder.Channel
State = Reminder.State

ITEMS_SHOWN = 20  # lines of one kind in an e-mail or the inbox before the list is cut
UNITS_SHOWN = 20  # units in a by-unit summary before it is cut
ROBOT_ITEMS_SHOWN = 10  # a group chat is read on a phone


# --- Composing ----------------------------------------------------------------------------------------------


def bundle_key(*, day: dt.date, recipient_id, recipient_unit_id, channel: str) -> str:
    who = f"u{recipient_id}" if recipient_id else f"g{recipient_unit_id}"
    return f"day:{day.isoformat()}:{who}:{channel}"


def counts_text(kinds: Counter) -> str:
    """ "3 overdue, 5 due soon, 12 reports to review": each kind's count, most urgent first."""
    ordered = sorted(kinds, key=lambda kind: spec(kind).urgency)
    return _(", ").join(str(spec(kind).count % {"n": kinds[kind]}) for kind in ordered if spec(kind).count)


def _alone(row: Reminder, *, day: dt.date) -> Bundle:
    return Bundle(
        recipient_id=row.recipient_id,
        recipient_unit_id=row.recipient_unit_id,
        channel=row.channel,
        day=day,
        daily=False,
        key=f"item:{row.dedup_key}",  # unique, since dedup keys are
        subject=row.subject[:200],
        item_count=1,
    )


def compose(rows: list[Reminder], *, day: dt.date, users: dict[int, User], daily: bool) -> list[tuple[Bundle, list]]:
    """Group rows into (unsaved) bundles. With `daily` (the scan): one bundle per recipient and channel, except
    e-mail for those who chose one per item. Without (an immediate kind): one bundle per row. Keys of items
    sent alone are set once the rows have ids (`finish_keys`)."""
    if not daily:
        return [(_alone(row, day=day), [row]) for row in rows]
    groups: dict[tuple, list[Reminder]] = defaultdict(list)
    singles = []
    for row in rows:
        user = users.get(row.recipient_id) if row.recipient_id else None
        if row.channel == Channel.EMAIL and user is not None and user.reminder_email_mode == User.EmailMode.EACH:
            singles.append((_alone(row, day=day), [row]))
            continue
        groups[(row.recipient_id, row.recipient_unit_id, row.channel)].append(row)
    bundles = []
    for (recipient_id, unit_id, channel), items in groups.items():
        bundle = Bundle(
            recipient_id=recipient_id,
            recipient_unit_id=unit_id,
            channel=channel,
            day=day,
            daily=True,
            key=bundle_key(day=day, recipient_id=recipient_id, recipient_unit_id=unit_id, channel=channel),
            subject=counts_text(Counter(row.kind for row in items))[:200],
            item_count=len(items),
        )
        bundles.append((bundle, items))
    return bundles + singles


def quiet_until(*, now: dt.datetime, calendar) -> dt.datetime | None:
    """On a day off, 09:00 of the next working day (Asia/Shanghai); on a working day, nothing to wait for."""
    today = timezone.localdate(now)
    if calendar.is_workday(today):
        return None
    nine = dt.datetime.combine(calendar.next_workday(today), dt.time(9, 0))
    return timezone.make_aware(nine)


# --- Showing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleLine:
    """One item as a bundle shows it: its words, its link, the unit it is about, and what orders it."""

    text: str
    url: str
    unit_id: int | None = None
    unit: str = ""
    sort_key: tuple = ()
    owner_id: int | None = None
    deadline: dt.date | None = None
    year: int | None = None  # of the plan: the lists show one plan at a time


@dataclass
class UnitCount:
    unit: str
    count: int
    url: str


@dataclass
class Section:
    kind: str
    heading: str
    count: int
    lines: list[BundleLine] = field(default_factory=list)  # the first few, most urgent first
    units: list[UnitCount] = field(default_factory=list)  # for kinds shown by unit
    more: int = 0  # lines (or units) not shown
    more_url: str = ""  # the filtered list that shows them all
    body: str = ""  # the weekly digest's summary

    @property
    def counted(self) -> bool:
        """A section of items shows how many; the digest is one text."""
        return self.kind != Reminder.Kind.WEEKLY_DIGEST


def _lines_from_reminders(items: list[Reminder]) -> list[BundleLine]:
    lines = []
    for row in items:
        assignment = row.assignment
        if assignment is None:
            lines.append(BundleLine(text=row.subject, url=row.url, sort_key=(row.pk,)))
            continue
        lines.append(
            BundleLine(
                text=row.subject,
                url=row.url,
                unit_id=assignment.unit_id,
                unit=assignment.unit.label,
                sort_key=(assignment.deadline, assignment.key_task.number_sort, assignment.unit_id, row.pk),
                owner_id=assignment.owner_id,
                deadline=assignment.deadline,
                year=assignment.key_task.plan.year,
            )
        )
    return lines


# kind -> how its rows become lines; a kind without an entry uses the assignment's (or the row's own) words.
LINE_SOURCES: dict[str, Callable[[list[Reminder]], list[BundleLine]]] = {}


@cache
def _path(name: str) -> str:
    """reverse() once per list: a delivery batch builds thousands of these links, and reverse() costs."""
    return reverse(name)


def _list_url(name: str, **params) -> str:
    """A list's address with these filters (empty ones left out), as its filter form would write it."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")}, doseq=True)
    return _path(name) + (f"?{query}" if query else "")


def _more_url(kind: str, bundle: Bundle, lines: list[BundleLine]) -> str:
    """The list, filtered to show what the cut section holds (a superset at worst: the reader's own scope)."""
    unit = bundle.recipient_unit_id
    year = next((line.year for line in lines if line.year), None)
    owner = None
    if bundle.recipient_id and lines and all(line.owner_id == bundle.recipient_id for line in lines):
        owner = bundle.recipient_id  # all theirs as owner: the secretary's or committee's wider scope would mislead
    if kind == Reminder.Kind.OVERDUE:
        return _list_url("assignment_list", year=year, light="red", unit=unit, owner=owner, sort="deadline")
    if kind == Reminder.Kind.DUE_SOON:
        last = max((line.deadline for line in lines if line.deadline), default=None)
        return _list_url(
            "assignment_list",
            year=year,
            status="in_progress",
            deadline_after=bundle.day.isoformat(),
            deadline_before=last.isoformat() if last else None,
            unit=unit,
            owner=owner,
            sort="deadline",
        )
    if kind == Reminder.Kind.REPORT_DUE:
        return _list_url("assignment_list", year=year, status="in_progress", cadence="monthly", unit=unit, owner=owner)
    if kind == Reminder.Kind.ESCALATION:
        return _list_url("assignment_list", year=year, light="red", leader=bundle.recipient_id, sort="deadline")
    if kind == Reminder.Kind.REVIEW_PENDING:
        return _list_url("review_queue")
    if kind in (Reminder.Kind.MEETING_DUE, Reminder.Kind.MEETING_MISSED):
        return _path("orglife_home")
    return _path("inbox")


def _unit_url(kind: str, bundle: Bundle, unit_id, year) -> str:
    if kind == Reminder.Kind.REVIEW_PENDING:
        return _list_url("review_queue", unit=unit_id)
    return _list_url(
        "assignment_list", year=year, light="red", leader=bundle.recipient_id, unit=unit_id, sort="deadline"
    )


def sections(
    bundle: Bundle, items: list[Reminder], *, shown: int = ITEMS_SHOWN, digest_text: str = ""
) -> list[Section]:
    """One section per kind, most urgent first. Items must come with their assignment, its key task and unit."""
    by_kind: dict[str, list[Reminder]] = defaultdict(list)
    for row in items:
        by_kind[row.kind].append(row)
    result = []
    for kind in sorted(by_kind, key=lambda kind: spec(kind).urgency):
        rows = by_kind[kind]
        kind_spec = KINDS[kind]
        lines = sorted(LINE_SOURCES.get(kind, _lines_from_reminders)(rows), key=lambda line: line.sort_key)
        section = Section(kind=kind, heading=str(kind_spec.heading or Reminder.Kind(kind).label), count=len(rows))
        if kind == Reminder.Kind.WEEKLY_DIGEST:
            section.body = rows[0].body
            section.more_url = _path("dashboard")
        elif kind_spec.by_unit:
            counts: Counter = Counter()
            ids: dict[str, tuple] = {}
            for line in lines:
                counts[line.unit] += 1
                ids[line.unit] = (line.unit_id, line.year)
            ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
            section.units = [UnitCount(unit, count, _unit_url(kind, bundle, *ids[unit])) for unit, count in ranked]
            section.more = max(0, len(section.units) - UNITS_SHOWN)
            section.units = section.units[:UNITS_SHOWN]
            section.more_url = _more_url(kind, bundle, lines)
        else:
            section.lines = lines[:shown]
            section.more = max(0, len(lines) - shown)
            section.more_url = _more_url(kind, bundle, lines)
        result.append(section)
    return result


def load_items(bundle_ids) -> dict[int, list[Reminder]]:
    """The items of these bundles with what showing them needs, in one query."""
    items: dict[int, list[Reminder]] = defaultdict(list)
    rows = (
        Reminder.objects.filter(bundle_id__in=list(bundle_ids))
        .select_related("assignment__key_task__plan", "assignment__unit")
        .order_by("id")
    )
    for row in rows:
        items[row.bundle_id].append(row)
    return items
