"""Reads of organisational life: which occurrences a branch owes and their lights, the committee's matrix,
attendance rates, and the members absent without reason for six consecutive months (党章第九条).

Every read starts from tasks.access.orglife_units. Whether a period is met is read in SQL, grouped by branch,
type, party group and month, so a page costs a fixed number of queries however many records there are.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.db.models.functions import ExtractMonth, TruncMonth

from tasks import access
from tasks.models import Attendance, MeetingRecord, MeetingType, OrgUnit, PartyGroup, PartyMember
from tasks.rules import Light, WorkCalendar, local_today, percent
from tasks.rules.orglife import Period, occurrence_light, owed_periods, period_of, periods_of_year

MATRIX_PAGE_SIZE = 50
MISSED_SHOWN = 3  # the home lists the latest missed duties; the branch's page has the whole year
ABSENCE_RUN_MONTHS = 6  # 党章第九条: 连续六个月不参加党的组织生活


@dataclass(frozen=True)
class Occurrence:
    """One duty in one period for one branch (or one of its party groups)."""

    unit_id: int
    meeting_type: MeetingType
    party_group: PartyGroup | None
    period: Period
    light: Light | None  # None: the period has not started
    record_id: int | None  # the first record that met it

    @property
    def label(self) -> str:
        name = self.meeting_type.label
        return f"{name}（{self.party_group.name}）" if self.party_group else name


def _month_records(units, year: int) -> dict[tuple, int]:
    """(unit, type, party group or None, month) -> the first record that month: one grouped query. `units` is a
    list of ids or a queryset of units (a subquery, so a committee's hundreds of ids are not sent as parameters)."""
    rows = (
        MeetingRecord.types.through.objects.filter(meetingrecord__unit__in=units, meetingrecord__held_on__year=year)
        .annotate(month=ExtractMonth("meetingrecord__held_on"))
        .values("meetingrecord__unit_id", "meetingtype_id", "meetingrecord__party_group_id", "month")
        .annotate(first=Min("meetingrecord_id"))
        .values_list("meetingrecord__unit_id", "meetingtype_id", "meetingrecord__party_group_id", "month", "first")
    )
    return {(unit, type_id, group, month): first for unit, type_id, group, month, first in rows}


def active_types() -> list[MeetingType]:
    return list(MeetingType.objects.filter(is_active=True).order_by("sort_order", "id"))


@dataclass(frozen=True)
class Duty:
    """One type in one period of the year, as every branch owes it, with the light of an occurrence not met:
    the same for every branch, so it is worked out once per duty, not once per branch."""

    meeting_type: MeetingType
    period: Period
    unmet_light: Light | None  # None: the period has not started

    def light(self, met: bool) -> Light | None:
        return Light.DONE if met else self.unmet_light


def duties_of_year(types, year: int, *, today: dt.date, calendar: WorkCalendar) -> list[Duty]:
    return [
        Duty(meeting_type, period, occurrence_light(period=period, met=False, today=today, calendar=calendar))
        for meeting_type in types
        for period in owed_periods(meeting_type.cadence, year, active_from=meeting_type.active_from)
    ]


def _met_by_duty(met: dict[tuple, int], duties: list[Duty]) -> dict[tuple, dict[tuple, int]]:
    """(type, period start) -> {(unit, party group or None): the first record in the period}."""
    period_of_month = {
        (duty.meeting_type.pk, month): duty.period.start
        for duty in duties
        for month in range(duty.period.start.month, duty.period.end.month + 1)
    }
    found: dict[tuple, dict[tuple, int]] = defaultdict(dict)
    for (unit_id, type_id, group_id, month), record_id in sorted(met.items()):
        start = period_of_month.get((type_id, month))
        if start is not None:
            found[(type_id, start)].setdefault((unit_id, group_id), record_id)
    return found


def _party_groups(units) -> dict[int, list[PartyGroup]]:
    groups: dict[int, list[PartyGroup]] = defaultdict(list)
    for group in PartyGroup.objects.filter(unit__in=units).order_by("sort_order", "id"):
        groups[group.unit_id].append(group)
    return groups


def occurrences_for(
    *, unit_ids, year: int, today: dt.date | None = None, types=None, calendar: WorkCalendar | None = None
) -> dict[int, list[Occurrence]]:
    """Every occurrence each branch owes in `year` (periods not started yet included, with no light)."""
    today = today or local_today()
    calendar = calendar or WorkCalendar.load()
    unit_ids = list(unit_ids)
    types = active_types() if types is None else types
    groups = _party_groups(unit_ids) if any(t.per_party_group for t in types) else {}
    duties = duties_of_year(types, year, today=today, calendar=calendar)
    met = _met_by_duty(_month_records(unit_ids, year), duties)
    result: dict[int, list[Occurrence]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id in unit_ids:
        for duty in duties:
            met_here = met.get((duty.meeting_type.pk, duty.period.start), {})
            targets = groups.get(unit_id, []) if duty.meeting_type.per_party_group else [None]
            for group in targets:
                record_id = met_here.get((unit_id, group.pk if group else None))
                light = duty.light(record_id is not None)
                result[unit_id].append(Occurrence(unit_id, duty.meeting_type, group, duty.period, light, record_id))
    return result


@dataclass
class BranchDuties:
    """The secretary's view of one branch: what is due now, and what was missed this year."""

    unit: OrgUnit
    current: list[Occurrence]
    missed: list[Occurrence]  # latest first

    @property
    def missed_shown(self) -> list[Occurrence]:
        return self.missed[:MISSED_SHOWN]

    @property
    def worst(self) -> Light | None:
        lights = [o.light for o in self.current + self.missed if o.light is not None]
        return min(lights, key=lambda light: light.urgency) if lights else None


def duties_for_keeper(user, *, today: dt.date | None = None) -> list[BranchDuties]:
    """The branches the user keeps (secretary, party-affairs worker), with this period's duties and the year's
    missed ones: the secretary's home shows them."""
    today = today or local_today()
    # A branch whose roster is not here yet does not keep its organisational life here (yet): no card for it.
    adopted = access.orglife_units(user).filter(Exists(PartyMember.objects.filter(unit=OuterRef("pk"))))
    units = [u for u in adopted.order_by("sort_order", "name") if access.can_keep_orglife(user, u)]
    if not units:
        return []
    found = occurrences_for(unit_ids=[u.pk for u in units], year=today.year, today=today)
    duties = []
    for unit in units:
        occurrences = found[unit.pk]
        current = [o for o in occurrences if o.period.contains(today)]
        missed = sorted((o for o in occurrences if o.light == Light.RED), key=lambda o: o.period.end, reverse=True)
        duties.append(BranchDuties(unit, current, missed))
    return duties


@dataclass
class LightTally:
    red: int = 0
    yellow: int = 0
    green: int = 0
    done: int = 0

    def add(self, light: Light | None, count: int = 1) -> None:
        if light is not None:
            name = "done" if light in (Light.DONE, Light.DONE_LATE) else light.value
            setattr(self, name, getattr(self, name) + count)

    @property
    def owed(self) -> int:
        return self.red + self.yellow + self.green + self.done

    @property
    def held_rate(self) -> Decimal | None:
        """组织生活开展率: of the occurrences met or whose period is over, the share met. A period still running
        counts neither way (like 按期完成率's deadline not come): it cannot lower the rate before it ends."""
        return percent(self.done, self.done + self.red)


@dataclass
class MatrixCell:
    column: object  # the Period (one type) or the MeetingType (the summary)
    occurrences: list[Occurrence]
    tally: LightTally = field(default_factory=LightTally)

    @property
    def light(self) -> Light | None:
        lights = [o.light for o in self.occurrences if o.light is not None]
        if not lights:
            return None
        return min(lights, key=lambda light: light.urgency)

    @property
    def record_id(self) -> int | None:
        ids = {o.record_id for o in self.occurrences}
        return ids.pop() if len(ids) == 1 else None


@dataclass
class MatrixRow:
    unit: OrgUnit
    cells: list[MatrixCell]
    tally: LightTally
    attendance_rate: float | None


@dataclass
class Matrix:
    year: int
    meeting_type: MeetingType | None  # None: the summary (one column per type)
    columns: list  # Periods of the type, or the types
    rows: list[MatrixRow]
    page: object
    types: list[MeetingType]


def attendance_rates(unit_ids, year: int) -> dict[int, float | None]:
    """实到 / 应到 over a branch's meetings of the year (one grouped query)."""
    rows = (
        MeetingRecord.objects.filter(unit_id__in=unit_ids, held_on__year=year)
        .values("unit_id")
        .annotate(expected=Sum("expected_count"), present=Sum("present_count"))
    )
    return {row["unit_id"]: (row["present"] / row["expected"] if row["expected"] else None) for row in rows}


def orglife_matrix(
    user, *, year: int, type_code: str | None = None, page_number=None, today: dt.date | None = None
) -> Matrix:
    """The committee's compliance matrix: branches × types (the summary) or branches × periods of one type, one
    page of branches at a time. Queries: branches (2 with the paginator), types, party groups, records, rates."""
    today = today or local_today()
    types = active_types()
    chosen = next((t for t in types if t.code == type_code), None)
    units = access.orglife_units(user).order_by("sort_order", "name")
    page = Paginator(units, MATRIX_PAGE_SIZE).get_page(page_number)
    page_units = list(page.object_list)
    unit_ids = [u.pk for u in page_units]
    found = occurrences_for(unit_ids=unit_ids, year=year, today=today, types=[chosen] if chosen else types)
    rates = attendance_rates(unit_ids, year)
    columns = periods_of_year(chosen.cadence, year) if chosen is not None else types
    # A column's key: the period (one type by period) or the type's id (the summary).
    column_of = (lambda o: o.period) if chosen is not None else (lambda o: o.meeting_type.pk)
    keys = columns if chosen is not None else [t.pk for t in types]
    rows = []
    for unit in page_units:
        tally, by_column = (
            LightTally(),
            {key: MatrixCell(column, []) for key, column in zip(keys, columns, strict=True)},
        )
        for occurrence in found[unit.pk]:
            tally.add(occurrence.light)
            cell = by_column[column_of(occurrence)]
            cell.occurrences.append(occurrence)
            cell.tally.add(occurrence.light)
        rows.append(MatrixRow(unit, list(by_column.values()), tally, rates.get(unit.pk)))
    return Matrix(year, chosen, columns, rows, page, types)


@dataclass(frozen=True)
class AbsenceRun:
    member: PartyMember
    first_month: dt.date
    last_month: dt.date
    months: int


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def absent_members(*, unit_ids, today: dt.date | None = None, window_months: int = 12) -> list[AbsenceRun]:
    """Members on the roll who, for ABSENCE_RUN_MONTHS consecutive months or more within the window, attended no
    meeting and were absent without leave at least once each month (党章第九条). A month with no meeting for
    them, or one where they attended or were on leave, breaks the run. One grouped query."""
    today = today or local_today()
    first = dt.date(today.year, today.month, 1)
    for _ in range(window_months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    runs = {}
    for member_id, indexes in _missed_months(unit_ids, first, today).items():
        run = _longest_run(sorted(indexes))
        if run[1] - run[0] + 1 >= ABSENCE_RUN_MONTHS:
            runs[member_id] = run

    def month_date(index: int) -> dt.date:
        return dt.date(index // 12, index % 12 + 1, 1)

    found = [
        AbsenceRun(
            member,
            month_date(runs[member.pk][0]),
            month_date(runs[member.pk][1]),
            runs[member.pk][1] - runs[member.pk][0] + 1,
        )
        for member in PartyMember.objects.filter(pk__in=runs).select_related("unit", "party_group")
    ]
    return sorted(
        found, key=lambda run: (run.member.unit.sort_order, run.member.unit.name, -run.months, run.member.name)
    )


def _missed_months(unit_ids, first: dt.date, last: dt.date) -> dict[int, list[int]]:
    """member -> the months (as _month_index) between `first` and `last` in which the member was absent without
    leave and neither present nor on leave at any meeting."""
    in_window = Attendance.objects.filter(
        record__unit__in=unit_ids,  # the record's (unit, held_on) index; attendance is only of its own members
        member__status=PartyMember.Status.ACTIVE,
        record__held_on__gte=first,
        record__held_on__lte=last,
    )
    # Only a member absent in at least six different months can have a run of six: found from the absences alone
    # (a partial index), so the whole attendance of the window (400,000 rows at 500 branches) is read for them only.
    candidates = (
        in_window.filter(status=Attendance.Status.ABSENT)
        .values("member_id")
        .annotate(months=Count(TruncMonth("record__held_on"), distinct=True))
        .filter(months__gte=ABSENCE_RUN_MONTHS)
        .values("member_id")
    )
    missed = (
        in_window.filter(member_id__in=candidates)
        .annotate(month=TruncMonth("record__held_on"))
        .values("member_id", "month")
        .annotate(
            present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
            absent=Count("id", filter=Q(status=Attendance.Status.ABSENT)),
            leave=Count("id", filter=Q(status=Attendance.Status.LEAVE)),
        )
        .filter(present=0, leave=0, absent__gt=0)
        .values_list("member_id", "month")
    )
    months: dict[int, list[int]] = defaultdict(list)
    for member_id, month in missed:
        months[member_id].append(_month_index(month.date() if isinstance(month, dt.datetime) else month))
    return months


def _longest_run(indexes: list[int]) -> tuple[int, int]:
    """The first and last month of the longest run of consecutive months in a sorted, non-empty list (the earliest
    of equally long runs)."""
    start = previous = indexes[0]
    best = (start, start)
    for index in indexes[1:]:
        if index != previous + 1:
            start = index
        previous = index
        if previous - start > best[1] - best[0]:
            best = (start, previous)
    return best


def current_period(cadence: str, today: dt.date | None = None) -> Period:
    return period_of(cadence, today or local_today())


@dataclass
class OrglifeSummary:
    """The dashboard's line on organisational life: this year's occurrences by light, branches that missed one,
    and members absent for six months."""

    year: int
    tally: LightTally
    branches: int
    branches_missing: int
    absent_members: int


def orglife_summary(
    user, *, today: dt.date | None = None, units=None, calendar: WorkCalendar | None = None
) -> OrglifeSummary | None:
    """Counted per duty, not enumerated per branch: a committee of 500 branches owes some 20,000 occurrences a
    year, and every unmet one of a duty has the same light (tasks.rules.orglife). `units`: some of the branches the
    user sees (a committee below, drilled into), by default all of them."""
    today = today or local_today()
    units = access.orglife_units(user) if units is None else units
    unit_ids = set(units.values_list("pk", flat=True))
    if not unit_ids:
        return None
    counting = _DutyCounting.of(units.order_by(), today.year, today=today, calendar=calendar)
    tally = counting.tallies({unit_id: [None] for unit_id in unit_ids}, {None: unit_ids})[None]
    missing = set()
    for duty in counting.duties:
        met_here = counting.met.get((duty.meeting_type.pk, duty.period.start), {})
        if duty.unmet_light == Light.RED:
            missing |= _units_short(duty, met_here, unit_ids, counting.group_counts)
    absent = len(absent_members(unit_ids=units.order_by(), today=today))
    return OrglifeSummary(today.year, tally, len(unit_ids), len(missing), absent)


@dataclass
class _DutyCounting:
    """What counting a year's duties over some branches needs, read once (types, party groups, records)."""

    duties: list[Duty]
    met: dict[tuple, dict[tuple, int]]  # (type, period start) -> {(unit, party group or None): first record}
    group_counts: dict[int, int]  # unit -> party groups (only when a type is owed per party group)

    @classmethod
    def of(cls, units, year: int, *, today: dt.date, calendar: WorkCalendar | None = None) -> "_DutyCounting":
        """`units`: a queryset of branches (a subquery: a committee's hundreds of ids are not sent as parameters)."""
        types = active_types()
        group_counts: dict[int, int] = {}
        if any(t.per_party_group for t in types):
            group_counts = {unit_id: len(groups) for unit_id, groups in _party_groups(units).items()}
        duties = duties_of_year(types, year, today=today, calendar=calendar or WorkCalendar.load())
        return cls(duties, _met_by_duty(_month_records(units, year), duties), group_counts)

    def tallies(self, owners: dict[int, list], members: dict) -> dict:
        """{key: the LightTally of its branches}: `members` gives each key its branches, `owners` each branch its
        keys (a branch of a 党总支 with a committee of its own counts for it and for the bureau above). One pass
        over the records met whatever the number of keys."""
        found = {key: LightTally() for key in members}
        groups = {key: sum(self.group_counts.get(unit, 0) for unit in units) for key, units in members.items()}
        for duty in self.duties:
            per_group = duty.meeting_type.per_party_group
            met_count = dict.fromkeys(members, 0)
            for unit_id, group_id in self.met.get((duty.meeting_type.pk, duty.period.start), {}):
                if (group_id is not None) == per_group:
                    for key in owners.get(unit_id, ()):
                        met_count[key] += 1
            for key, unit_ids in members.items():
                owed = groups[key] if per_group else len(unit_ids)
                found[key].add(Light.DONE, met_count[key])
                found[key].add(duty.unmet_light, owed - met_count[key])
        return found


def orglife_by_committee(
    user, *, committee_ids, year: int, today: dt.date | None = None, tree: dict | None = None
) -> dict:
    """{committee id: the LightTally of the organisational life its branches owe in `year` (as its own dashboard's
    line counts it), or None when none of its branches has a roster here (it does not keep it here yet)}. The
    committees are some of those below the user's; one read of the records of all their subtrees, not one per
    committee: types, party groups, records, rosters and the unit tree (none given `access.unit_tree()`), whatever
    the number of committees."""
    today = today or local_today()
    members = access.committee_branches(committee_ids, tree=tree)
    owners: dict[int, list] = defaultdict(list)
    for committee_id, unit_ids in members.items():
        for unit_id in unit_ids:
            owners[unit_id].append(committee_id)
    # Scope in SQL: the user's branches, narrowed to the committees' in Python (a 工委's are its bureaus' and its own).
    units = access.orglife_units(user).order_by()
    rostered = set(PartyMember.objects.filter(unit__in=units).values_list("unit_id", flat=True).distinct())
    kept = {key: unit_ids for key, unit_ids in members.items() if unit_ids & rostered}
    tallies = _DutyCounting.of(units, year, today=today).tallies(owners, kept) if kept else {}
    return {committee_id: tallies.get(committee_id) for committee_id in committee_ids}


def _units_short(duty: Duty, met_here: dict[tuple, int], unit_ids: set[int], group_counts: dict[int, int]) -> set:
    """The branches (among `unit_ids`) with at least one occurrence of `duty` not met."""
    if not duty.meeting_type.per_party_group:
        return unit_ids - {unit_id for unit_id, group_id in met_here if group_id is None}
    met_groups: dict[int, int] = defaultdict(int)
    for unit_id, group_id in met_here:
        if group_id is not None:
            met_groups[unit_id] += 1
    # Only a branch with party groups owes a group meeting: those are the ones to look at, not every branch.
    return {
        unit_id
        for unit_id, groups in group_counts.items()
        if unit_id in unit_ids and met_groups.get(unit_id, 0) < groups
    }
