"""三员分立: which admin pages each administrator duty may open.

Models fall into four classes. A duty account opens the models of its own class only; party work data is
closed to it unless the same account also holds a work role (a Membership), and then ordinary permissions
apply. Accounts without a duty (committee staff, a bootstrap superuser) are not affected.
"""

import enum
import functools

from django.contrib import admin


class ModelClass(enum.StrEnum):
    SYSTEM = "system"
    SECURITY = "security"
    AUDIT = "audit"
    WORK = "work"


# (app label, model name or "*"): accounts, units, calendars and schedules are the system administrator's;
# lockouts and password history the security administrator's; the audit log the audit administrator's.
MODEL_CLASSES = {
    ("tasks", "user"): ModelClass.SYSTEM,
    ("tasks", "orgunit"): ModelClass.SYSTEM,
    ("tasks", "membership"): ModelClass.SYSTEM,
    ("tasks", "workdayoverride"): ModelClass.SYSTEM,
    ("auth", "group"): ModelClass.SYSTEM,
    ("auth", "permission"): ModelClass.SYSTEM,
    ("django_celery_beat", "*"): ModelClass.SYSTEM,
    ("axes", "*"): ModelClass.SECURITY,
    ("tasks", "passwordhistory"): ModelClass.SECURITY,
    ("tasks", "auditentry"): ModelClass.AUDIT,
}

GUARDED_METHODS = (
    "has_module_permission",
    "has_view_permission",
    "has_add_permission",
    "has_change_permission",
    "has_delete_permission",
)


def model_class(app_label: str, model_name: str) -> ModelClass:
    """Anything not listed is party work data: a new model is closed to duty accounts until someone decides."""
    return MODEL_CLASSES.get((app_label, model_name)) or MODEL_CLASSES.get((app_label, "*")) or ModelClass.WORK


def duty_permits(duty: str, cls: ModelClass, action: str) -> bool:
    """The model permissions a duty grants by itself (tasks.security.backends.DutyPermissionBackend)."""
    if not duty or cls != ModelClass(duty):
        return False
    if cls == ModelClass.AUDIT:
        return action == "view"  # the audit log is read, never written, by anyone
    return True


def has_work_role(user) -> bool:
    cached = getattr(user, "_partybuild_has_work_role", None)
    if cached is None:
        from tasks.models import Membership

        cached = Membership.objects.filter(user_id=user.pk).exists()
        user._partybuild_has_work_role = cached
    return cached


def admin_may_open(user, cls: ModelClass) -> bool:
    duty = getattr(user, "admin_duty", "")
    if not duty:
        return True
    if cls == ModelClass.WORK:
        return has_work_role(user)
    return cls == ModelClass(duty)


def _guard(model_admin, method_name: str, cls: ModelClass) -> None:
    original = getattr(model_admin, method_name)
    if getattr(original, "_duty_guarded", False):
        return

    @functools.wraps(original)
    def guarded(request, *args, **kwargs):
        return admin_may_open(request.user, cls) and original(request, *args, **kwargs)

    guarded._duty_guarded = True
    setattr(model_admin, method_name, guarded)


def enforce_duties(site: admin.AdminSite = admin.site) -> None:
    """Put the duty check in front of every registered ModelAdmin's permission methods (called at start-up)."""
    for model, model_admin in site._registry.items():
        cls = model_class(model._meta.app_label, model._meta.model_name)
        for method_name in GUARDED_METHODS:
            _guard(model_admin, method_name, cls)
