from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


class StaleWriteError(ValidationError):
    """Someone else changed the row since the user loaded it: refuse, never overwrite silently."""

    def __init__(self, message=None):
        super().__init__(
            message or _("Someone else changed this in the meantime. Reload the page and try again."), code="stale"
        )


def require(condition: bool) -> None:
    """Services re-check permissions: a view that forgot to must not open a hole."""
    if not condition:
        raise PermissionDenied


def require_plan_open(plan_id: int) -> None:
    """A closed plan is the year's final record: nothing in it changes any more (reports, reviews, extensions,
    urges, comments, edits). Every write into a plan asks here, with a message that says so."""
    from tasks.models import AnnualPlan

    year = AnnualPlan.objects.filter(pk=plan_id, status=AnnualPlan.Status.CLOSED).values_list("year", flat=True).first()
    if year is not None:
        raise ValidationError(
            _("The %(year)d plan is closed: it is kept as the year's record and can no longer be changed.")
            % {"year": year},
            code="plan_closed",
        )
