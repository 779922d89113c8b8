"""What the plan commands share: the committee, the plan by committee and year, and the output file."""

from django.core.management.base import CommandError

from tasks.models import AnnualPlan, OrgUnit
from tasks.selectors import plan_of_year


def add_committee(parser) -> None:
    parser.add_argument(
        "--committee",
        help="the committee's unit name (needed when the installation holds several committees, e.g. a 工委 over "
        "bureaus; default: the only one)",
    )


def add_year_and_output(parser, *, suffix: str) -> None:
    parser.add_argument("--year", type=int, required=True, help="the plan's year")
    add_committee(parser)
    parser.add_argument("-o", "--output", required=True, help=f"the file to write ({suffix})")


def committee_id_of(name: str | None) -> int | None:
    """The committee a command works for: the one named (its unit's name or short name), else the installation's
    only committee (None: the committee at the top, tasks.access.root_committee_id). In a tree of committees no
    default is safe (the 工委's plan, or a bureau's?): the command stops and lists the names to choose from."""
    committees = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMITTEE).order_by("pk"))
    names = "、".join(unit.name for unit in committees)
    if not name:
        if len(committees) > 1:
            raise CommandError(
                f"This installation holds {len(committees)} committees: name one with --committee ({names})."
            )
        return None
    found = [unit for unit in committees if name in (unit.name, unit.short_name)]
    if not found:
        raise CommandError(f"There is no committee named {name}. Committees: {names or 'none'}.")
    if len(found) > 1:
        raise CommandError(f"{len(found)} committees are named {name}: give one a short name of its own.")
    return found[0].pk


def plan_for_year(year: int, committee: str | None = None) -> AnnualPlan:
    """The command line sees every plan: the one of `committee` (`committee_id_of`) and `year`. A committee or year
    without one stops the command with a message."""
    plan = plan_of_year(None, year, committee_id=committee_id_of(committee))
    if plan is None:
        raise CommandError(f"There is no plan for {year}" + (f" of {committee}." if committee else "."))
    return plan
