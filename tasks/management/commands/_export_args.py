"""What the export commands share: the plan by year, and the output file."""

from django.core.management.base import CommandError

from tasks.models import AnnualPlan
from tasks.selectors import plan_of_year


def add_year_and_output(parser, *, suffix: str) -> None:
    parser.add_argument("--year", type=int, required=True, help="the plan's year")
    parser.add_argument("-o", "--output", required=True, help=f"the file to write ({suffix})")


def plan_for_year(year: int) -> AnnualPlan:
    """The command line sees every plan; a year without one stops the command with a message."""
    plan = plan_of_year(None, year)
    if plan is None:
        raise CommandError(f"There is no plan for {year}.")
    return plan
