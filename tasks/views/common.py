import datetime as dt
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.utils import timezone

from tasks import access


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def committee_param(request) -> int | None:
    """Another committee's plan asked for (`?committee=ID`: a committee above drilling down into one below, read-only);
    None for the viewer's own. tasks.selectors.current_plan shows it only if the viewer may see it."""
    text = request.GET.get("committee", "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def mark_drilled_into(user, plan):
    """Mark `plan` as read from above (`plan.drilled_into`): a committee member viewing a plan their committee does
    not run (a 工委 drilling into a bureau), so that its pages' links and forms keep naming that committee's plan."""
    if plan is not None:
        plan.drilled_into = access.is_committee(user) and not access.can_run_plan(user, plan)
    return plan


def plan_query(plan, **params) -> str:
    """The query string of a page about `plan`: its year, its committee when drilled into (a viewer's own plan needs
    none: it is their default), and `params` that have a value."""
    committee = {"committee": plan.committee_id} if getattr(plan, "drilled_into", False) else {}
    given = {key: value for key, value in params.items() if value not in (None, "")}
    return urlencode({"year": plan.year, **committee, **given})


def year_param(request) -> int | None:
    """The plan year asked for in the query string (`?year=2024`); None when absent or not a year (the
    page then shows the current plan, tasks.selectors.current_plan)."""
    text = request.GET.get("year", "").strip()
    if len(text) != 4 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


PAGE_SIZES = (50, 100, 200)


def page_size_param(request) -> int:
    """Rows a page of a list (`?per_page=100`): one of PAGE_SIZES, the first when absent or anything else (a
    link offers them; a hand-edited address falls back rather than failing)."""
    text = request.GET.get("per_page", "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) in PAGE_SIZES else PAGE_SIZES[0]


def before_param(request) -> tuple[dt.datetime | None, int]:
    """Where an older page of a timeline starts, as its "older events" link writes it: `?before=` an ISO time with
    its offset and `&skip=` how many events of that instant were shown. (None, 0) when absent or wrong: the newest
    events are shown."""
    try:
        moment = dt.datetime.fromisoformat(request.GET.get("before", "").strip())
    except ValueError:
        return None, 0
    if not timezone.is_aware(moment):
        return None, 0
    skip = request.GET.get("skip", "0").strip()
    return moment, min(int(skip), MAX_SKIP) if skip.isascii() and skip.isdigit() else 0


# Events of one instant already shown (a batch written at once, longer than a page): each source of the timeline
# reads that many more rows, so an address cannot ask for an unbounded read.
MAX_SKIP = 1_000
