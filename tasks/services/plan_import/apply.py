"""Writing the checked rows: create or update key tasks, their areas and their assignments."""

from decimal import Decimal

from django.utils.translation import gettext as _

from tasks.audit.changes import display_value
from tasks.models import AnnualPlan, Area, Assignment, KeyTask, OrgUnit
from tasks.services.lights import lights_refresh
from tasks.services.plan_import.columns import AREA_CODES, DEFAULT_AREAS
from tasks.services.plan_import.directory import Directory
from tasks.services.plan_import.results import KeyTaskChange, PlanImportResult
from tasks.services.plan_import.rows import PlanRow


def _key_task_fields(row: PlanRow, area: Area) -> dict:
    return {
        "area": area,
        "title": row.title,
        "description": row.description,
        "lead_unit": row.lead_unit,
        "responsible_leader": row.leader,
        "start_date": row.start,
        "deadline": row.deadline,
        "metric_name": row.metric,
        "metric_unit": row.metric_unit,
        "target_value": row.target,
        "weight": row.weight,
        "cadence": row.cadence,
    }


def _owner_by_unit(row: PlanRow, directory: Directory) -> dict[int, int | None]:
    """Who owns each unit's assignment: a named owner of that unit, else its secretary (or worker).
    A single named owner who belongs to none of the units owns the lead unit's assignment."""
    owners: dict[int, int | None] = {}
    for unit in row.units:
        named = [person.pk for person in row.owners if person.pk in directory.unit_members.get(unit.pk, ())]
        owners[unit.pk] = named[0] if named else None
    if len(row.owners) == 1 and row.owners[0].pk not in owners.values() and row.lead_carries:
        owners[row.lead_unit.pk] = row.owners[0].pk
    return owners


def _assignment_create(
    key_task: KeyTask, unit: OrgUnit, row: PlanRow, owners: dict[int, int | None], directory: Directory
):
    """A unit's share of the key task: the lead unit weighs twice a cooperating one."""
    Assignment.objects.create(
        key_task=key_task,
        unit=unit,
        deadline=row.deadline,
        owner_id=owners[unit.pk] or directory.secretaries.get(unit.pk),
        weight=Decimal(2 if unit == row.lead_unit and row.lead_carries else 1),
    )


def _shown(name: str, value) -> str:
    return display_value(KeyTask._meta.get_field(name), value)


def _field_changes(key_task: KeyTask, fields: dict) -> list[tuple[str, str, str]]:
    """(label, old, new) of every key-task field the row changes, as the page shows values."""
    changes = []
    for name, value in fields.items():
        current = getattr(key_task, name)
        if name == "area":
            differs = key_task.area_id != value.pk or value.pk is None
            current = key_task.area
        elif isinstance(current, Decimal) and value is not None:
            differs = current != Decimal(value)
        else:
            differs = current != value
        if differs:
            changes.append(
                (str(KeyTask._meta.get_field(name).verbose_name), _shown(name, current), _shown(name, value))
            )
    return changes


def _has_record(assignment: Assignment) -> str:
    """Why an assignment no longer listed stays: its reports, extension requests or approved progress are the
    year's record. "" when nothing was recorded on it (it is removed)."""
    reports, extensions = assignment.reports.count(), assignment.extension_requests.count()
    if reports or extensions:
        return _("%(reports)d progress reports, %(extensions)d extension requests") % {
            "reports": reports,
            "extensions": extensions,
        }
    if assignment.progress:
        return _("%(progress)d%% approved progress") % {"progress": assignment.progress}
    return ""


class _Areas:
    """The plan's areas by name; a name the plan does not have yet becomes a new area (saved unless dry run),
    ordered as the default areas are, else after the others."""

    def __init__(self, plan: AnnualPlan, dry_run: bool):
        self.plan, self.dry_run = plan, dry_run
        self.by_name = {area.name: area for area in plan.areas.all()} if plan.pk else {}
        self.next_order = max((area.sort_order for area in self.by_name.values()), default=0) + 1
        self.default_order = {name: order for order, (_code, name) in enumerate(DEFAULT_AREAS, start=1)}

    def get(self, name: str) -> Area:
        area = self.by_name.get(name)
        if area is None:
            area = Area(
                plan=self.plan,
                name=name,
                code=AREA_CODES.get(name, Area.Code.OTHER),
                sort_order=self.default_order.get(name, max(self.next_order, len(DEFAULT_AREAS) + 1)),
            )
            self.next_order = max(self.next_order, area.sort_order) + 1
            if not self.dry_run:
                area.save()
            self.by_name[name] = area
        return area


def _existing_key_tasks(plan: AnnualPlan) -> dict[str, KeyTask]:
    if not plan.pk:
        return {}
    return {
        task.number: task
        for task in plan.key_tasks.select_related("area").prefetch_related(
            "cooperating_units", "assignments__unit", "assignments__owner"
        )
    }


def _create(plan: AnnualPlan, row: PlanRow, fields: dict, owners: dict, directory: Directory):
    key_task = KeyTask.objects.create(plan=plan, number=row.number, **fields)
    key_task.cooperating_units.set(row.cooperating_units)
    for unit in row.units:
        _assignment_create(key_task, unit, row, owners, directory)
    lights_refresh(key_task.assignments.all())


def _cooperating_change(key_task: KeyTask, row: PlanRow) -> tuple[str, str, str] | None:
    """(label, old, new) when the row names other cooperating units than the key task has."""
    current = list(key_task.cooperating_units.all())
    if {unit.pk for unit in current} == {unit.pk for unit in row.cooperating_units}:
        return None
    return (
        str(KeyTask._meta.get_field("cooperating_units").verbose_name),
        "、".join(unit.label for unit in current) or "—",
        "、".join(unit.label for unit in row.cooperating_units) or "—",
    )


def _assignment_changes(
    key_task: KeyTask, row: PlanRow, owners: dict, directory: Directory, change: KeyTaskChange
) -> list[tuple[Assignment | None, OrgUnit, dict]]:
    """What the row changes in the listed units' assignments: (None, unit, {}) for a unit to add, (assignment,
    unit, updates) for a new owner or a deadline that follows the key task's; described in `change`."""
    assignments = {assignment.unit_id: assignment for assignment in key_task.assignments.all()}
    old_deadline = key_task.deadline
    changes: list[tuple[Assignment | None, OrgUnit, dict]] = []
    for unit in row.units:
        assignment = assignments.get(unit.pk)
        if assignment is None:
            changes.append((None, unit, {}))
            change.units_added.append(unit.label)
            continue
        updates = {}
        if owners[unit.pk] and assignment.owner_id != owners[unit.pk]:
            updates["owner_id"] = owners[unit.pk]
            change.assignments.append(
                _("%(unit)s: owner %(old)s → %(new)s")
                % {
                    "unit": unit.label,
                    "old": assignment.owner.display_name if assignment.owner else "—",
                    "new": directory.names.get(owners[unit.pk], "—"),
                }
            )
        # A deadline nobody extended follows the key task's; an extended one stays where it was moved.
        if (
            row.deadline != old_deadline
            and assignment.deadline == old_deadline
            and assignment.original_deadline == old_deadline
        ):
            updates["deadline"] = updates["original_deadline"] = row.deadline
            change.assignments.append(
                _("%(unit)s: deadline %(old)s → %(new)s")
                % {"unit": unit.label, "old": old_deadline.isoformat(), "new": row.deadline.isoformat()}
            )
        if updates:
            changes.append((assignment, unit, updates))
    return changes


def _unlisted_to_drop(key_task: KeyTask, row: PlanRow, change: KeyTaskChange, result: PlanImportResult):
    """The assignments of units the row no longer lists that go (nothing recorded on them); the others stay,
    with a note saying why."""
    listed = {unit.pk for unit in row.units}
    dropped = []
    for assignment in key_task.assignments.all():
        if assignment.unit_id in listed:
            continue
        kept_for = _has_record(assignment)
        if kept_for:
            change.units_kept.append(f"{assignment.unit.label}（{kept_for}）")
            result.notes.append(
                _("Key task %(number)s: the unit %(unit)s is no longer listed; its assignment was kept (%(why)s).")
                % {"number": row.number, "unit": assignment.unit.label, "why": kept_for}
            )
        else:
            change.units_removed.append(assignment.unit.label)
            dropped.append(assignment)
    return dropped


def _update(key_task, row, fields, owners, directory, assignment_changes, dropped, user):
    from tasks.services.plans import assignment_drop

    for name, value in fields.items():
        setattr(key_task, name, value)
    key_task.version += 1
    key_task.save()
    key_task.cooperating_units.set(row.cooperating_units)
    for assignment, unit, updates in assignment_changes:
        if assignment is None:
            _assignment_create(key_task, unit, row, owners, directory)
            continue
        for name, value in updates.items():
            setattr(assignment, name, value)
        # Optimistic locking: a reviewer or reporter holding the old version must reload.
        assignment.version += 1
        assignment._change_reason = _("Changed by a plan import")
        assignment.save(update_fields=[*updates.keys(), "version"])
    for assignment in dropped:
        assignment_drop(assignment, user=user, reason=_("Not listed in the imported file"))
    # The key task's start and cadence enter its assignments' lights too.
    lights_refresh(key_task.assignments.all())


def apply_rows(
    plan: AnnualPlan, rows: list[PlanRow], directory: Directory, result: PlanImportResult, dry_run: bool, user=None
):
    """Create or update the rows' key tasks, and record in `result`, by number and name, what is (or, with
    `dry_run`, would be) created, changed and removed. A row lists all the units of its key task: a unit no longer
    listed loses its assignment, unless something was recorded on it (reports, extensions, progress), which keeps it.
    Key tasks of the plan that are not in the file are kept (a file may add to a plan) and listed."""
    areas = _Areas(plan, dry_run)
    existing = _existing_key_tasks(plan)
    for row in rows:
        fields = _key_task_fields(row, areas.get(row.area))
        key_task = existing.get(row.number)
        owners = _owner_by_unit(row, directory)
        if key_task is None:
            result.created.append(row.number)
            result.created_tasks.append(
                KeyTaskChange(row.number, row.title, units_added=[unit.label for unit in row.units])
            )
            if not dry_run:
                _create(plan, row, fields, owners, directory)
            continue
        change = KeyTaskChange(row.number, row.title, fields=_field_changes(key_task, fields))
        cooperating = _cooperating_change(key_task, row)
        if cooperating:
            change.fields.append(cooperating)
        assignment_changes = _assignment_changes(key_task, row, owners, directory, change)
        dropped = _unlisted_to_drop(key_task, row, change, result)
        if not change.changed:
            result.unchanged.append(row.number)
            continue
        result.updated.append(row.number)
        result.updated_tasks.append(change)
        if not dry_run:
            _update(key_task, row, fields, owners, directory, assignment_changes, dropped, user)
    in_file = {row.number for row in rows}
    result.not_in_file = [f"{task.number} {task.title}" for number, task in existing.items() if number not in in_file]
