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
