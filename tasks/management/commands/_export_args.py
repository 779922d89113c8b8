"""What the export commands share: the plan by committee and year, and the output file."""

from django.core.management.base import CommandError

from tasks.models import AnnualPlan, OrgUnit
from tasks.selectors import plan_of_year


def add_committee(parser) -> None:
    parser.add_argument("--committee", help="the committee's unit name (default: the committee at the top)")


def add_year_and_output(parser, *, suffix: str) -> None:
    parser.add_argument("--year", type=int, required=True, help="the plan's year")
    add_committee(parser)
    parser.add_argument("-o", "--output", required=True, help=f"the file to write ({suffix})")


def plan_for_year(year: int, committee: str | None = None) -> AnnualPlan:
    """The command line sees every plan: the one of `committee` (a unit's name; default the committee at the top)
    and `year`. A committee or year without one stops the command with a message."""
    committee_id = None
    if committee:
        unit = OrgUnit.objects.filter(name=committee).first()
        if unit is None:
            raise CommandError(f"There is no unit named {committee}.")
        committee_id = unit.pk
    plan = plan_of_year(None, year, committee_id=committee_id)
    if plan is None:
        raise CommandError(f"There is no plan for {year}" + (f" of {committee}." if committee else "."))
    return plan
