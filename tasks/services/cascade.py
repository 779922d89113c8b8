"""上级要点 → 本级要点: a higher committee gives one of its key tasks to a lower committee (an assignment whose unit is
that committee); the lower committee answers it with one or more key tasks of its own plan of the same year.

The assignment then reports nothing itself (最多报一次): its progress is the weighted progress of the linked key tasks
(each key task's 加权进度 weighted by the key task's weight, tasks.rules.figures.weighted_mean), it is completed when
every assignment of every linked key task is (on the last of their completion dates), and its last approval is
theirs. Those stored fields are all the one light rule (tasks.rules.compute_light, through lights_refresh) needs, so
the higher committee's light of the assignment is computed like any other. `cascade_sync` keeps them current: after a
link changes, after a report of a linked key task is approved, after a linked key task's assignments change.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import AnnualPlan, Assignment, CascadeLink, KeyTask
from tasks.rules.figures import weighted_mean
from tasks.services.common import require
from tasks.services.lights import lights_refresh

# A chain of committees (工委 → 局党委 → 党总支 with a committee of its own) is short; this bounds a bad loop.
MAX_DEPTH = 6


def cascade_candidates(assignment: Assignment) -> QuerySet:
    """The key tasks that may answer `assignment`: those of the same year's plan of the committee it is given to."""
    return (
        KeyTask.objects.filter(plan__committee_id=assignment.unit_id, plan__year=assignment.key_task.plan.year)
        .exclude(plan__status=AnnualPlan.Status.CLOSED)
        .order_by("number_sort")
    )


def cascade_link_set(*, assignment: Assignment, user, key_tasks) -> Assignment:
    """Answer `assignment` with `key_tasks` of the lower committee's plan (replacing any earlier answer). Refused with
    a message by field, nothing saved: no key task chosen, one not of the committee's own plan of that year."""
    require(access.can_link_cascade(user, assignment))
    chosen = {key_task.pk for key_task in key_tasks}
    if not chosen:
        raise ValidationError({"key_tasks": [_("Choose at least one key task of your plan that answers it.")]})
    allowed = set(cascade_candidates(assignment).values_list("pk", flat=True))
    if not chosen <= allowed:
        message = _("Only key tasks of your committee's open plan of %(year)d can answer it.")
        raise ValidationError({"key_tasks": [message % {"year": assignment.key_task.plan.year}]})
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("key_task").get(pk=assignment.pk)
        before = set(assignment.cascade_links.values_list("key_task_id", flat=True))
        assignment.cascade_links.exclude(key_task_id__in=chosen).delete()
        CascadeLink.objects.bulk_create(
            [CascadeLink(assignment=assignment, key_task_id=pk, created_by=user) for pk in sorted(chosen - before)]
        )
        Assignment.objects.filter(pk=assignment.pk).update(is_cascaded=True, version=assignment.version + 1)
        numbers = dict(KeyTask.objects.filter(pk__in=before | chosen).values_list("pk", "number"))
        audit_record(
            action=Action.CHANGE,
            user=user,
            obj=assignment,
            detail={
                "cascade": {
                    "before": sorted(numbers[pk] for pk in before),
                    "after": sorted(numbers[pk] for pk in chosen),
                }
            },
        )
        cascade_sync(assignment_ids=[assignment.pk])
    assignment.refresh_from_db()
    return assignment


def cascade_sync(*, assignment_ids=None, key_task_ids=None, depth: int = 0) -> list[int]:
    """Make the cascaded assignments linked to `key_task_ids` (or the cascaded `assignment_ids`) equal to their
    linked key tasks, then their own cascades in turn (a bureau's answer may answer the 工委 through it). Returns
    the ids of the assignments it updated."""
    links = CascadeLink.objects.all()
    if assignment_ids is not None:
        links = links.filter(assignment_id__in=assignment_ids)
    if key_task_ids is not None:
        links = links.filter(key_task_id__in=key_task_ids)
    upper = set(links.values_list("assignment_id", flat=True))
    if not upper or depth > MAX_DEPTH:
        return []
    linked: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for assignment_id, key_task_id, weight in CascadeLink.objects.filter(assignment_id__in=upper).values_list(
        "assignment_id", "key_task_id", "key_task__weight"
    ):
        linked[assignment_id].append((key_task_id, weight))
    tasks = _task_states({key_task_id for pairs in linked.values() for key_task_id, _ in pairs})
    for assignment_id, pairs in linked.items():
        weighed = [(tasks[key_task_id], weight) for key_task_id, weight in pairs if key_task_id in tasks]
        states = [state for state, _weight in weighed]
        progress = weighted_mean((state["progress"], weight) for state, weight in weighed)
        done = bool(states) and all(state["completed_at"] for state in states)
        approved = [state["last_approved_at"] for state in states if state["last_approved_at"]]
        Assignment.objects.filter(pk=assignment_id).update(
            progress=100 if done else min(99, int(progress.to_integral_value())),
            status=Assignment.Status.COMPLETED if done else Assignment.Status.IN_PROGRESS,
            completed_at=max(state["completed_at"] for state in states) if done else None,
            last_approved_at=max(approved) if approved else None,
        )
    lights_refresh(list(upper))
    above = set(Assignment.objects.filter(pk__in=upper).values_list("key_task_id", flat=True))
    return sorted(upper) + cascade_sync(key_task_ids=above, depth=depth + 1)


def _task_states(key_task_ids: set[int]) -> dict[int, dict]:
    """Each key task's 加权进度, and its completion (the last completion date, or None while any assignment is
    open or it has none) and latest approval, from its assignments."""
    pairs: dict[int, list] = defaultdict(list)
    states: dict[int, dict] = {}
    for key_task_id, progress, weight, completed_at, last_approved_at in Assignment.objects.filter(
        key_task_id__in=key_task_ids
    ).values_list("key_task_id", "progress", "weight", "completed_at", "last_approved_at"):
        pairs[key_task_id].append((progress, weight))
        state = states.setdefault(key_task_id, {"completed_at": completed_at, "last_approved_at": None, "open": False})
        state["open"] = state["open"] or completed_at is None
        if completed_at and state["completed_at"]:
            state["completed_at"] = max(state["completed_at"], completed_at)
        if last_approved_at and (state["last_approved_at"] is None or last_approved_at > state["last_approved_at"]):
            state["last_approved_at"] = last_approved_at
    for key_task_id, state in states.items():
        state["progress"] = weighted_mean(pairs[key_task_id])
        if state["open"]:
            state["completed_at"] = None
    return states
