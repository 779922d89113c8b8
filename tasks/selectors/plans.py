"""Which plan: the one place that decides which annual plan a page, an export or a command works on."""

from django.db.models import QuerySet

from tasks import access
from tasks.models import AnnualPlan
from tasks.rules import local_today


def plans_visible(user) -> QuerySet:
    """The plans `user` may see, newest year first; `user=None` is the command line: every plan."""
    return AnnualPlan.objects.all() if user is None else access.visible_plans(user)


def plan_of_year(user, year: int) -> AnnualPlan | None:
    """The plan of exactly `year` if `user` may see it (a command asking for a year it lacks says so)."""
    return plans_visible(user).filter(year=year).first()


def current_plan(user, year: int | None = None) -> AnnualPlan | None:
    """The plan a page shows: `year`'s if asked for and visible; else this year's; else the newest that is
    not a draft; else the newest draft (a committee preparing its first plan). None: no plan to see."""
    if year is not None:
        asked = plan_of_year(user, year)
        if asked is not None:
            return asked
    plans = plans_visible(user)
    return (
        plans.filter(year=local_today().year).first()
        or plans.exclude(status=AnnualPlan.Status.DRAFT).first()
        or plans.first()
    )
