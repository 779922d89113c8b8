from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Party-building key tasks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tasks import checks  # noqa: F401 - registers the checks
        from tasks.cache import connect_invalidation
        from tasks.security import receivers  # noqa: F401 - audit rows for logins, lockouts, changes and their addresses

        connect_invalidation()
