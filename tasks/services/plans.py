"""The committee's plan, from draft to live: publish, close, and edit key tasks and their assignments in the app.

A plan is a draft (only the committee sees it), then published (every unit sees its assignments; the owners are
told once), then closed (the year's record: nothing in it changes any more). Every write here is for the
committee, refuses a stale form (optimistic locking, like reports), leaves a change record (simple-history, and
through it an audit row with old → new) and refreshes the stored lights. On a published plan, a moved deadline,
a new owner, a unit added or removed is also told to the people concerned: the plan they work to changed.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import AnnualPlan, Assignment, KeyTask, Membership, OrgUnit, Reminder, User
from tasks.rules import local_today
from tasks.selectors.plans import PublishSummary, plan_close_blockers, publish_recipients
from tasks.services.common import StaleWriteError, require, require_plan_open
from tasks.services.inbox import inbox_message_create
from tasks.services.lights import lights_refresh

Status = AnnualPlan.Status

# What the committee edits on a key task (its number, area and units are the plan's structure: import or rollover).
KEY_TASK_FIELDS = (
    "title",
    "description",
    "start_date",
    "deadline",
    "metric_name",
    "metric_unit",
    "target_value",
    "weight",
    "cadence",
    "responsible_leader",
    "evidence_required",
)
MAX_WEIGHT = Decimal("10000")


def _committee(user, plan: AnnualPlan) -> None:
    """The plan's own committee runs it (tasks.access.can_run_plan). `user=None` is the command line or the demo:
    whoever runs commands on the server is trusted."""
    if user is not None:
        require(access.can_run_plan(user, plan))


def _history(instance, user, reason: str):
    """Who made the change record and why (the audit row made from it carries both)."""
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason
    return instance


# --- Publish and close -----------------------------------------------------------------------------------------


def plan_publish(*, plan: AnnualPlan, user) -> PublishSummary:
    """Publish a draft: every unit sees its assignments, and each owner (or, for an assignment without one, the
    unit's secretary) is told once, in one message listing what they carry. No date stops it: next year's plan
    is published in December. A second click finds the plan published and tells nobody again."""
    from tasks.services.reminders import reminder_notify
    from tasks.services.reminders.audience import Audience

    _committee(user, plan)
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == Status.PUBLISHED:
            raise ValidationError(
                _("The %(year)d plan is already published; nobody was told a second time.") % {"year": plan.year},
                code="stale",
            )
        require_plan_open(plan.pk)
        audience = Audience.load()
        summary = publish_recipients(plan, secretaries=audience.secretaries, active=set(audience.users))
        if not summary.assignments:
            raise ValidationError(
                _("The %(year)d plan has no assignments yet: import or add key tasks and their units first.")
                % {"year": plan.year},
                code="empty",
            )
        plan.status = Status.PUBLISHED
        _history(
            plan,
            user,
            _("Published: %(assignments)d assignments, %(people)d people told")
            % {"assignments": summary.assignments, "people": summary.people},
        ).save(update_fields=["status"])
        from tasks.services.webhooks import webhook_plan_published

        webhook_plan_published(plan)
        url = reverse("home") + f"?year={plan.year}"
        for user_id, items in summary.recipients.items():
            subject, body = plan_published_texts(plan, items)
            reminder_notify(
                kind=Reminder.Kind.PLAN_PUBLISHED,
                period=f"plan{plan.pk}",
                subject=subject,
                body=body,
                url=url,
                user_ids=[user_id],
                audience=audience,
            )
    return summary


def plan_published_texts(plan: AnnualPlan, items) -> tuple[str, str]:
    shown = 20
    subject = _("%(title)s is published: you carry %(n)d assignments") % {"title": plan.title, "n": len(items)}
    lines = [
        _("%(number)s %(title)s (%(unit)s, due %(deadline)s)")
        % {"number": item.number, "title": item.title, "unit": item.unit, "deadline": item.deadline.isoformat()}
        for item in items[:shown]
    ]
    if len(items) > shown:
        lines.append(_("… and %(n)d more: see them all under My tasks.") % {"n": len(items) - shown})
    body = _("The committee has published %(title)s. Your assignments:") % {"title": plan.title}
    return subject, "\n".join([body, *lines])


def plan_close(*, plan: AnnualPlan, user, today: dt.date | None = None) -> AnnualPlan:
    """Close a finished year: its figures become the year's record and nothing in it changes any more. Refused
    before the year is over, and while reports or extensions of the plan still wait for a decision."""
    _committee(user, plan)
    today = today or local_today()
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == Status.CLOSED:
            raise ValidationError(_("The %(year)d plan is already closed.") % {"year": plan.year}, code="stale")
        if plan.status == Status.DRAFT:
            raise ValidationError(
                _("The %(year)d plan is a draft: only a published plan can be closed.") % {"year": plan.year}
            )
        if today.year <= plan.year:
            raise ValidationError(
                _("The %(year)d plan's year is not over: it can be closed from %(date)s.")
                % {"year": plan.year, "date": dt.date(plan.year + 1, 1, 1).isoformat()}
            )
        waiting = plan_close_blockers(plan)
        if waiting["reports"] or waiting["extensions"]:
            raise ValidationError(
                _(
                    "%(reports)d reports are waiting for review and %(extensions)d extension requests for a "
                    "decision: settle them in the review queue first, then close the plan."
                )
                % waiting
            )
        plan.status = Status.CLOSED
        _history(plan, user, _("Closed")).save(update_fields=["status"])
    return plan


# --- Key tasks ----------------------------------------------------------------------------------------------------


def _key_task_errors(plan: AnnualPlan, values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if not (values.get("title") or "").strip():
        add("title", _("Give the key task a title."))
    start, deadline = values.get("start_date"), values.get("deadline")
    if start is None:
        add("start_date", _("Give a start date."))
    if deadline is None:
        add("deadline", _("Give a deadline."))
    if start and deadline and deadline < start:
        add(
            "deadline",
            _("The deadline %(deadline)s is before the start %(start)s.")
            % {"deadline": deadline.isoformat(), "start": start.isoformat()},
        )
    for name, day in (("start_date", start), ("deadline", deadline)):
        if day and not plan.year - 1 <= day.year <= plan.year + 1:
            add(name, _("The date must fall in %(year)d, or the year before or after it.") % {"year": plan.year})
    target = values.get("target_value")
    if target is not None and target < 0:
        add("target_value", _("The target must be a number from 0 up."))
    if target is not None and not (values.get("metric_name") or "").strip():
        add("metric_name", _("A target needs a metric: say what is counted (e.g. 中心组学习)."))
    weight = values.get("weight")
    if weight is None or not Decimal(0) < weight < MAX_WEIGHT:
        add("weight", _("The weight must be a number greater than 0."))
    if values.get("cadence") not in KeyTask.Cadence.values:
        add("cadence", _("Choose a reporting cadence."))
    leader = values.get("responsible_leader")
    if leader is not None and not leader.is_active:
        add("responsible_leader", _("This account is inactive."))
    return errors


def key_task_update(*, key_task: KeyTask, user, expected_version: int | None, **values) -> KeyTask:
    """Edit a key task's title, description, dates, target, weight, cadence, responsible leader and whether it
    asks for evidence. Assignments that keep the key task's deadline (never moved on their own) move with it."""
    _committee(user, key_task.plan)
    unknown = set(values) - set(KEY_TASK_FIELDS)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        key_task = KeyTask.objects.select_for_update().select_related("plan").get(pk=key_task.pk)
        require_plan_open(key_task.plan_id)
        if expected_version is not None and key_task.version != expected_version:
            raise StaleWriteError
        merged = {name: values.get(name, getattr(key_task, name)) for name in KEY_TASK_FIELDS}
        merged["title"] = (merged["title"] or "").strip()
        errors = _key_task_errors(key_task.plan, merged)
        if errors:
            raise ValidationError(errors)
        old_deadline = key_task.deadline
        changed = [name for name in KEY_TASK_FIELDS if getattr(key_task, name) != merged[name]]
        if not changed:
            return key_task
        for name in changed:
            setattr(key_task, name, merged[name])
        key_task.version += 1
        _history(key_task, user, _("Edited in the plan")).save()
        if key_task.deadline != old_deadline:
            following = Assignment.objects.select_for_update().filter(
                key_task=key_task, deadline=old_deadline, original_deadline=old_deadline
            )
            for assignment in following:
                _assignment_deadline_move(assignment, key_task.deadline, user=user, plan=key_task.plan)
        # The start and cadence enter every assignment's light too.
        lights_refresh(key_task.assignments.all())
    return key_task


# --- Assignments --------------------------------------------------------------------------------------------------


def unit_owner_candidates(unit: OrgUnit):
    """Who may own a unit's assignment: an active member of the unit, or a secretary or party-affairs worker of a
    unit above it (a general branch's secretary may carry a branch's assignment)."""
    above, current, seen = [], unit.parent, {unit.pk}
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        above.append(current.pk)
        current = current.parent
    runs_above = Q(
        memberships__unit_id__in=above, memberships__role__in=[Membership.Role.SECRETARY, Membership.Role.WORKER]
    )
    return (
        User.objects.filter(Q(memberships__unit=unit) | runs_above, is_active=True)
        .distinct()
        .order_by("full_name", "username")
    )


def _owner_errors(unit: OrgUnit, owner) -> list[str]:
    if owner is None:
        return []
    if not unit_owner_candidates(unit).filter(pk=owner.pk).exists():
        return [
            _("%(name)s is not a member of %(unit)s or of a unit above it.")
            % {"name": owner.display_name, "unit": unit.label}
        ]
    return []


def _deadline_errors(key_task: KeyTask, deadline) -> list[str]:
    if deadline is None:
        return [_("Give a deadline.")]
    if deadline < key_task.start_date:
        return [
            _("The deadline %(deadline)s is before the key task's start %(start)s.")
            % {"deadline": deadline.isoformat(), "start": key_task.start_date.isoformat()}
        ]
    if deadline.year > key_task.plan.year + 1:
        return [_("The deadline must fall within the plan year or the next one.")]
    return []


def _tell(assignment: Assignment, title: str, body: str = "", *, link: bool = True) -> None:
    """On a published plan, the owner (or, without one, the unit's secretaries) reads about a change in the inbox."""
    if assignment.owner_id:
        people = [assignment.owner]
    else:
        people = list(
            User.objects.filter(
                is_active=True, memberships__unit_id=assignment.unit_id, memberships__role=Membership.Role.SECRETARY
            ).distinct()
        )
    for person in people:
        inbox_message_create(
            user=person, title=title, body=body, url=assignment.get_absolute_url() if link else reverse("home")
        )


def _assignment_deadline_move(assignment: Assignment, deadline: dt.date, *, user, plan: AnnualPlan) -> None:
    """Move one assignment's deadline. Never extended, its original deadline moves too (the plan changed, not
    the unit's timing); extended, the original stays on record for the assessment."""
    old = assignment.deadline
    if assignment.deadline == assignment.original_deadline:
        assignment.original_deadline = deadline
    assignment.deadline = deadline
    assignment.version += 1
    reason = _("Deadline moved from %(old)s to %(new)s") % {"old": old.isoformat(), "new": deadline.isoformat()}
    _history(assignment, user, reason).save(update_fields=["deadline", "original_deadline", "version"])
    if plan.status == Status.PUBLISHED:
        key_task = assignment.key_task
        _tell(
            assignment,
            _("Deadline changed: %(task)s") % {"task": f"{key_task.number} {key_task.title}"},
            _("The committee moved the deadline of %(unit)s's assignment from %(old)s to %(new)s.")
            % {"unit": assignment.unit.label, "old": old.isoformat(), "new": deadline.isoformat()},
        )


def _locked_assignment(assignment_id: int, expected_version: int | None) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("key_task__plan", "unit", "owner")
        .get(pk=assignment_id)
    )
    require_plan_open(assignment.key_task.plan_id)
    if expected_version is not None and assignment.version != expected_version:
        raise StaleWriteError
    return assignment


def default_owner(unit: OrgUnit) -> User | None:
    """The unit's secretary (else its party-affairs worker), as the import chooses."""
    for role in (Membership.Role.SECRETARY, Membership.Role.WORKER):
        membership = (
            Membership.objects.filter(unit=unit, role=role, user__is_active=True).select_related("user").order_by("id")
        ).first()
        if membership is not None:
            return membership.user
    return None


def assignment_add(
    *, key_task: KeyTask, user, unit: OrgUnit, owner: User | None = None, deadline: dt.date | None = None
) -> Assignment:
    """Give a key task to one more unit: a cooperating unit, weighing half the lead unit (as the import does)."""
    _committee(user, key_task.plan)
    with transaction.atomic():
        key_task = KeyTask.objects.select_for_update().select_related("plan").get(pk=key_task.pk)
        require_plan_open(key_task.plan_id)
        deadline = deadline or key_task.deadline
        errors: dict[str, list[str]] = {}
        if unit is None or not unit.is_active:
            errors["unit"] = [_("Choose an active unit.")]
        elif not access.plan_units(key_task.plan).filter(pk=unit.pk).exists():
            errors["unit"] = [_("%(unit)s is not below the committee of this plan.") % {"unit": unit.label}]
        elif key_task.assignments.filter(unit=unit).exists():
            errors["unit"] = [_("%(unit)s already carries this key task.") % {"unit": unit.label}]
        else:
            owner_errors = _owner_errors(unit, owner)
            if owner_errors:
                errors["owner"] = owner_errors
        deadline_errors = _deadline_errors(key_task, deadline)
        if deadline_errors:
            errors["deadline"] = deadline_errors
        if errors:
            raise ValidationError(errors)
        assignment = Assignment(
            key_task=key_task,
            unit=unit,
            owner=owner or default_owner(unit),
            deadline=deadline,
            original_deadline=deadline,
            weight=Decimal(2 if unit.pk == key_task.lead_unit_id else 1),
        )
        _history(assignment, user, _("Added to the plan")).save()
        if unit.pk != key_task.lead_unit_id:
            key_task.cooperating_units.add(unit)
        lights_refresh(assignment)
        if key_task.plan.status == Status.PUBLISHED:
            _tell(
                assignment,
                _("New assignment: %(task)s") % {"task": f"{key_task.number} {key_task.title}"},
                _("The committee gave %(unit)s this key task, due %(deadline)s.")
                % {"unit": unit.label, "deadline": deadline.isoformat()},
            )
    return assignment


def assignment_update(
    *, assignment: Assignment, user, expected_version: int | None, owner: User | None, deadline: dt.date
) -> Assignment:
    """Change an assignment's owner or its deadline. On a published plan a moved deadline is a recorded change
    (change record and audit row old → new, shown in the timeline) and the owner is told."""
    _committee(user, assignment.key_task.plan)
    with transaction.atomic():
        assignment = _locked_assignment(assignment.pk, expected_version)
        key_task = assignment.key_task
        errors: dict[str, list[str]] = {}
        owner_errors = _owner_errors(assignment.unit, owner) if owner != assignment.owner else []
        if owner_errors:
            errors["owner"] = owner_errors
        deadline_errors = _deadline_errors(key_task, deadline) if deadline != assignment.deadline else []
        if deadline_errors:
            errors["deadline"] = deadline_errors
        if errors:
            raise ValidationError(errors)
        if owner != assignment.owner:
            previous = assignment.owner
            assignment.owner = owner
            assignment.version += 1
            _history(assignment, user, _("Owner changed")).save(update_fields=["owner", "version"])
            if key_task.plan.status == Status.PUBLISHED and owner is not None:
                inbox_message_create(
                    user=owner,
                    title=_("You now own: %(task)s") % {"task": f"{key_task.number} {key_task.title}"},
                    body=_("The committee made you the owner of %(unit)s's assignment (before: %(previous)s).")
                    % {"unit": assignment.unit.label, "previous": previous.display_name if previous else "—"},
                    url=assignment.get_absolute_url(),
                )
        if deadline != assignment.deadline:
            _assignment_deadline_move(assignment, deadline, user=user, plan=key_task.plan)
        lights_refresh(assignment)
    return assignment


def assignment_remove_blockers(assignment: Assignment) -> dict[str, int]:
    """What makes an assignment part of the year's record: its reports and extension requests."""
    return {
        "reports": assignment.reports.count(),
        "extensions": assignment.extension_requests.count(),
    }


def assignment_remove(*, assignment: Assignment, user, expected_version: int | None) -> None:
    """Take a key task away from a unit that should not carry it. Refused once the unit has reported or asked for
    an extension: its reports, evidence and the reviews of them are the year's record (the ledger, the assessment
    and the annual report count them), and no committee expects removing a unit to erase what it did. Refused
    for the lead unit too: a key task always has its lead unit's assignment."""
    _committee(user, assignment.key_task.plan)
    with transaction.atomic():
        assignment = _locked_assignment(assignment.pk, expected_version)
        key_task = assignment.key_task
        if assignment.unit_id == key_task.lead_unit_id:
            raise ValidationError(
                _("%(unit)s is the lead unit of this key task: its assignment cannot be removed.")
                % {"unit": assignment.unit.label}
            )
        blockers = assignment_remove_blockers(assignment)
        if blockers["reports"] or blockers["extensions"]:
            raise ValidationError(
                _(
                    "%(unit)s has %(reports)d progress reports and %(extensions)d extension requests on this key "
                    "task. They are part of the year's record, so this assignment cannot be removed; change its "
                    "owner or deadline instead."
                )
                % {"unit": assignment.unit.label, **blockers}
            )
        assignment_drop(assignment, user=user, reason=_("Removed from the plan"))


def assignment_drop(assignment: Assignment, *, user, reason: str) -> None:
    """Delete an assignment the caller has checked may go (nothing recorded on it), with its change record; on a
    published plan its owner is told. The unit is no longer one of the key task's cooperating units."""
    key_task = assignment.key_task
    if key_task.plan.status == Status.PUBLISHED:
        _tell(
            assignment,
            _("Assignment removed: %(task)s") % {"task": f"{key_task.number} {key_task.title}"},
            _("The committee took this key task off %(unit)s's list.") % {"unit": assignment.unit.label},
            link=False,
        )
    key_task.cooperating_units.remove(assignment.unit)
    _history(assignment, user, reason).delete()
