"""Writing the checked rows: create or update key tasks, their areas and their assignments."""

from decimal import Decimal

from django.utils.translation import gettext as _

from tasks.models import AnnualPlan, Area, Assignment, KeyTask, OrgUnit
from tasks.services.lights import lights_refresh
from tasks.services.plan_import.columns import AREA_CODES, DEFAULT_AREAS
from tasks.services.plan_import.directory import Directory
from tasks.services.plan_import.results import PlanImportResult
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
    if len(row.owners) == 1 and row.owners[0].pk not in owners.values():
        owners[row.lead_unit.pk] = row.owners[0].pk
    return owners


def _differs(instance, values: dict) -> bool:
    for name, value in values.items():
        current = getattr(instance, name)
        if isinstance(current, Decimal) and value is not None:
            if current != Decimal(value):
                return True
        elif current != value:
            return True
    return False


def _assignment_create(
    key_task: KeyTask, unit: OrgUnit, row: PlanRow, owners: dict[int, int | None], directory: Directory
):
    """A unit's share of the key task: the lead unit weighs twice a cooperating one."""
    Assignment.objects.create(
        key_task=key_task,
        unit=unit,
        deadline=row.deadline,
        owner_id=owners[unit.pk] or directory.secretaries.get(unit.pk),
        weight=Decimal(2 if unit == row.lead_unit else 1),
    )


def apply_rows(plan: AnnualPlan, rows: list[PlanRow], directory: Directory, result: PlanImportResult, dry_run: bool):
    areas = {area.name: area for area in plan.areas.all()} if plan.pk else {}
    next_order = max((area.sort_order for area in areas.values()), default=0) + 1
    existing = (
        {
            task.number: task
            for task in plan.key_tasks.select_related("area").prefetch_related("cooperating_units", "assignments")
        }
        if plan.pk
        else {}
    )
    default_order = {name: order for order, (_, name) in enumerate(DEFAULT_AREAS, start=1)}
    for row in rows:
        area = areas.get(row.area)
        if area is None:
            area = Area(
                plan=plan,
                name=row.area,
                code=AREA_CODES.get(row.area, Area.Code.OTHER),
                sort_order=default_order.get(row.area, max(next_order, len(DEFAULT_AREAS) + 1)),
            )
            next_order = max(next_order, area.sort_order) + 1
            if not dry_run:
                area.save()
            areas[row.area] = area
        fields = _key_task_fields(row, area)
        key_task = existing.get(row.number)
        owners = _owner_by_unit(row, directory)
        if key_task is None:
            result.created.append(row.number)
            if dry_run:
                continue
            key_task = KeyTask.objects.create(plan=plan, number=row.number, **fields)
            key_task.cooperating_units.set(row.cooperating_units)
            for unit in row.units:
                _assignment_create(key_task, unit, row, owners, directory)
            lights_refresh(key_task.assignments.all())
            continue

        changed = key_task.area_id != area.pk or _differs(
            key_task, {name: value for name, value in fields.items() if name != "area"}
        )
        if {unit.pk for unit in key_task.cooperating_units.all()} != {unit.pk for unit in row.cooperating_units}:
            changed = True
        assignments = {assignment.unit_id: assignment for assignment in key_task.assignments.all()}
        old_deadline = key_task.deadline
        assignment_changes: list[tuple[Assignment | None, object, dict]] = []
        for unit in row.units:
            assignment = assignments.get(unit.pk)
            if assignment is None:
                assignment_changes.append((None, unit, {}))
                continue
            updates = {}
            if owners[unit.pk] and assignment.owner_id != owners[unit.pk]:
                updates["owner_id"] = owners[unit.pk]
            # A deadline nobody extended follows the key task's; an extended one stays where it was moved.
            if (
                row.deadline != old_deadline
                and assignment.deadline == old_deadline
                and assignment.original_deadline == old_deadline
            ):
                updates["deadline"] = updates["original_deadline"] = row.deadline
            if updates:
                assignment_changes.append((assignment, unit, updates))
        listed = {unit.pk for unit in row.units}
        for unit_id, assignment in assignments.items():
            if unit_id not in listed:
                result.notes.append(
                    _("Key task %(number)s: the unit %(unit)s is no longer listed; its assignment was kept.")
                    % {"number": row.number, "unit": assignment.unit}
                )
        if not changed and not assignment_changes:
            result.unchanged.append(row.number)
            continue
        result.updated.append(row.number)
        if dry_run:
            continue
        for name, value in fields.items():
            setattr(key_task, name, value)
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
            assignment.save(update_fields=[*updates.keys(), "version"])
        # The key task's start and cadence enter its assignments' lights too.
        lights_refresh(key_task.assignments.all())
