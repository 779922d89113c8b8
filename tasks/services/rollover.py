"""Year rollover: clone a plan into the next year as a draft, to be edited and published."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import AnnualPlan, Area, Assignment, KeyTask
from tasks.services.common import require
from tasks.services.lights import lights_refresh


def shift_year(day: dt.date, years: int = 1) -> dt.date:
    """The same date `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def plan_rollover(*, plan: AnnualPlan, user=None) -> AnnualPlan:
    """Copy the areas, key tasks and assignments of `plan` into a new draft plan for the next year, every
    date one year later, with no progress, reports or extensions. Assignments start from their original
    deadline: this year's extensions are this year's business. `user=None` is the command line."""
    if user is not None:
        require(access.can_run_plan(user, plan))
    year = plan.year + 1
    with transaction.atomic():
        if AnnualPlan.objects.select_for_update().filter(committee_id=plan.committee_id, year=year).exists():
            raise ValidationError(
                _("A plan for %(year)d already exists: it was not overwritten.") % {"year": year}, code="exists"
            )
        title = f"{year}年度党建工作要点"
        if str(plan.year) in plan.title:
            title = plan.title.replace(str(plan.year), str(year))
        new_plan = AnnualPlan.objects.create(
            committee_id=plan.committee_id, year=year, title=title, status=AnnualPlan.Status.DRAFT
        )
        areas = {
            area.pk: Area.objects.create(plan=new_plan, code=area.code, name=area.name, sort_order=area.sort_order)
            for area in plan.areas.all()
        }
        for key_task in plan.key_tasks.prefetch_related("cooperating_units", "assignments"):
            copy = KeyTask.objects.create(
                plan=new_plan,
                area=areas[key_task.area_id],
                number=key_task.number,
                title=key_task.title,
                description=key_task.description,
                lead_unit_id=key_task.lead_unit_id,
                responsible_leader_id=key_task.responsible_leader_id,
                start_date=shift_year(key_task.start_date),
                deadline=shift_year(key_task.deadline),
                metric_name=key_task.metric_name,
                metric_unit=key_task.metric_unit,
                target_value=key_task.target_value,
                weight=key_task.weight,
                cadence=key_task.cadence,
                evidence_required=key_task.evidence_required,
            )
            copy.cooperating_units.set(key_task.cooperating_units.all())
            for assignment in key_task.assignments.all():
                deadline = shift_year(assignment.original_deadline)
                Assignment.objects.create(
                    key_task=copy,
                    unit_id=assignment.unit_id,
                    owner_id=assignment.owner_id,
                    weight=assignment.weight,
                    deadline=deadline,
                    original_deadline=deadline,
                )
        lights_refresh(Assignment.objects.filter(key_task__plan=new_plan))
    return new_plan
