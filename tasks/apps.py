from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Party-building key tasks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tasks import checks  # noqa: F401 - registers the checks
        from tasks.audit import watched
        from tasks.cache import connect_invalidation
        from tasks.security import receivers  # noqa: F401 - audit rows for logins, lockouts, changes and their addresses

        connect_invalidation()
        watched.connect()
        _connect_light_basis()
        _connect_tallies()


def _connect_light_basis() -> None:
    """Stored lights depend on the working-day overrides: compute them again when one changes."""
    from django.db.models.signals import post_delete, post_save

    from tasks.models import WorkdayOverride
    from tasks.services.lights import lights_basis_changed

    post_save.connect(lights_basis_changed, sender=WorkdayOverride, dispatch_uid="lights-override-save")
    post_delete.connect(lights_basis_changed, sender=WorkdayOverride, dispatch_uid="lights-override-delete")


def _connect_tallies() -> None:
    """Stored plan tallies count the assignments: a saved or deleted one makes its plan's tally stale."""
    from django.db.models.signals import post_delete, post_save

    from tasks.models import Assignment
    from tasks.services.tallies import assignment_written

    post_save.connect(assignment_written, sender=Assignment, dispatch_uid="tally-assignment-save")
    post_delete.connect(assignment_written, sender=Assignment, dispatch_uid="tally-assignment-delete")
