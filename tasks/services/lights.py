"""The stored warning lights: `Assignment.light` is the one rule (tasks.rules.compute_light) applied, kept current.

A light changes only when
1. its assignment or its key task is written: every service that writes one calls `lights_refresh` in its
   transaction (the one function to call after such a write);
2. the date changes: the job `tasks.jobs.recompute_lights` runs just after midnight Asia/Shanghai (beat), and
   `manage.py recompute_lights` does the same by hand; and any read that finds a light computed for another
   day computes it first (`lights_current`), so a missed job never shows a stale light;
3. the light's settings (LIGHT_*) or the working-day overrides change: the lights are stored with a fingerprint of
   both (`LightBasis`), and a read that finds another fingerprint computes every light again; a saved override
   does it at once (tasks.apps connects `lights_basis_changed`).

Readers call `lights_current()` once, then read the column (selectors, exports). Computing every light takes a
few seconds at 50,000 assignments; it holds a lock on the basis row, so two processes never do it at once and the
second finds the work done.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet

from tasks import cache
from tasks.models import Assignment, KeyTask, LightBasis
from tasks.rules import Light, LightRules, WorkCalendar, compute_light, local_today
from tasks.services.tallies import tallies_stale

CHUNK = 2000
_INPUTS = (
    *("id", "key_task__plan_id", "key_task__start_date", "deadline", "progress"),
    *("completed_at", "key_task__cadence", "last_approved_at"),
)
# Per process: the basis fingerprint last found stored. It only changes when the settings or the overrides do, so
# a read that computes the same fingerprint needs no query to know the stored lights were computed with it.
_verified_basis: dict[str, str] = {}


def basis_fingerprint(*, rules: LightRules, calendar: WorkCalendar) -> str:
    """What the lights depend on besides each row and the date: the rule's settings and the overrides."""
    basis = (rules, sorted(calendar.overrides.items()))
    return hashlib.sha256(repr(basis).encode()).hexdigest()[:32]


def _stale(today: dt.date) -> Q:
    # "Another day", not "an earlier day": a clock set back (tests, a restored server) must not keep tomorrow's light.
    return Q(light_on__isnull=True) | Q(light_on__lt=today) | Q(light_on__gt=today)


def _compute(
    ids: list[int], *, today: dt.date, calendar: WorkCalendar, rules: LightRules
) -> tuple[dict[int, Light], set[int]]:
    """The lights of these assignments by the one rule (rows sharing their inputs are worked out once), and the
    plans they belong to."""
    lights: dict[int, Light] = {}
    plan_ids: set[int] = set()
    memo: dict[tuple, Light] = {}
    rows = Assignment.objects.filter(pk__in=ids).order_by().values_list(*_INPUTS)
    for pk, plan_id, start, deadline, progress, completed_at, cadence, last_approved_at in rows:
        plan_ids.add(plan_id)
        inputs = (start, deadline, progress, completed_at, cadence, last_approved_at)
        if inputs not in memo:
            memo[inputs] = compute_light(
                start=start,
                deadline=deadline,
                progress=progress,
                completed_on=completed_at,
                monthly=cadence == KeyTask.Cadence.MONTHLY,
                last_approved_on=last_approved_at,
                today=today,
                calendar=calendar,
                rules=rules,
            )
        lights[pk] = memo[inputs]
    return lights, plan_ids


def _store(ids: list[int], *, today: dt.date, calendar: WorkCalendar, rules: LightRules) -> dict[int, Light]:
    """Compute and write the lights of `ids`, a chunk at a time (one UPDATE per light and chunk). Their plans' tallies
    are stale: whoever calls this wrote the assignments or their lights (tasks.services.tallies)."""
    from tasks.services.webhooks import overdue_watched, webhook_overdue

    stored: dict[int, Light] = {}
    # Assignments turning red now, for the assignment.overdue webhook (looked for only when an endpoint wants it).
    turned_red: list[int] = []
    watched = overdue_watched()
    plan_ids: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        lights, chunk_plans = _compute(ids[start : start + CHUNK], today=today, calendar=calendar, rules=rules)
        plan_ids |= chunk_plans
        by_light: dict[Light, list[int]] = defaultdict(list)
        for pk, light in lights.items():
            by_light[light].append(pk)
        for light, pks in by_light.items():
            if light == Light.RED and watched:
                turned_red += (
                    Assignment.objects.filter(pk__in=pks).exclude(light=Light.RED).values_list("pk", flat=True)
                )
            Assignment.objects.filter(pk__in=pks).update(light=light, light_on=today)
        stored.update(lights)
    tallies_stale(plan_ids)
    if turned_red:
        webhook_overdue(turned_red)
    return stored


def lights_refresh(
    assignments: Assignment | QuerySet | Iterable[int],
    *,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    rules: LightRules | None = None,
) -> None:
    """Store the light of `assignments` (an Assignment, a queryset of them, or their ids) as the rule gives it
    today. Every service that writes an assignment, or a key task's dates or cadence, calls this after the write,
    in the same transaction. An Assignment passed in gets its new `light` too."""
    instance = assignments if isinstance(assignments, Assignment) else None
    if instance is not None:
        ids = [instance.pk]
    elif isinstance(assignments, QuerySet):
        ids = list(assignments.order_by().values_list("pk", flat=True))
    else:
        ids = list(assignments)
    today = today or local_today()
    stored = _store(
        ids, today=today, calendar=calendar or WorkCalendar.load(), rules=rules or LightRules.from_settings()
    )
    if instance is not None and instance.pk in stored:
        instance.light, instance.light_on = stored[instance.pk], today


def lights_current(
    *,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    rules: LightRules | None = None,
    everything: bool = False,
) -> int:
    """Make every stored light today's, under today's settings and overrides; return how many were computed.

    Cheap when they are (no query for the basis once this process has seen it, one indexed query for rows computed
    for another day). Otherwise it computes, under a lock on the basis row: every light when the basis changed (or
    `everything`), else the rows of another day (all of them after midnight, a few new rows otherwise)."""
    today = today or local_today()
    calendar = calendar or WorkCalendar.load()
    rules = rules or LightRules.from_settings()
    fingerprint = basis_fingerprint(rules=rules, calendar=calendar)
    basis_known = _verified_basis.get("fingerprint") == fingerprint
    if basis_known and not everything and not Assignment.objects.filter(_stale(today)).exists():
        return 0
    with transaction.atomic():
        LightBasis.objects.get_or_create(pk=1)
        basis = LightBasis.objects.select_for_update().get(pk=1)
        # Under the lock, look again: another process may have just done it.
        if everything or basis.fingerprint != fingerprint:
            ids = list(Assignment.objects.order_by("pk").values_list("pk", flat=True))
        else:
            ids = list(Assignment.objects.filter(_stale(today)).order_by("pk").values_list("pk", flat=True))
        _store(ids, today=today, calendar=calendar, rules=rules)
        if basis.fingerprint != fingerprint:
            basis.fingerprint = fingerprint
            basis.save(update_fields=["fingerprint", "updated_at"])
    _verified_basis["fingerprint"] = fingerprint
    if ids:
        cache.data_changed()  # counts and lists cached before now were worked out from the old lights
    return len(ids)


def lights_basis_changed(**_signal_kwargs) -> None:
    """A working-day override was saved or deleted: compute every light once the change is committed (the next
    read would, but then a user waits for it)."""
    transaction.on_commit(lights_current)


def lights_fresh(
    assignments: Iterable[Assignment], *, today: dt.date | None = None, calendar: WorkCalendar | None = None
) -> list[Assignment]:
    """Assignments already loaded, their `light` made current: after `lights_current`, any whose light was loaded
    before it was computed again reads it afresh (one query, only then)."""
    assignments = list(assignments)
    today = today or local_today()
    computed = lights_current(today=today, calendar=calendar)
    behind = [assignment for assignment in assignments if computed or assignment.light_on != today]
    if behind:
        fresh = dict(
            Assignment.objects.filter(pk__in=[assignment.pk for assignment in behind]).values_list("pk", "light")
        )
        for assignment in behind:
            assignment.light, assignment.light_on = fresh.get(assignment.pk, assignment.light), today
    return assignments
