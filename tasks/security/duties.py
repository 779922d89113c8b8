"""三员分立: which admin pages each administrator duty may open.

Models fall into four classes. A duty account opens the models of its own class only; party work data is
closed to it unless the same account also holds a work role (a Membership), and then ordinary permissions
apply. Accounts without a duty (committee staff, a bootstrap superuser) are not affected.
"""

import enum


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
    # The same accounts as tasks.user, for resetting administrators' passwords (tasks.admin.security).
    ("tasks", "administratoraccount"): ModelClass.SECURITY,
    ("tasks", "auditentry"): ModelClass.AUDIT,
}


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


class DutyAdminMixin:
    """First among a ModelAdmin's bases: a duty account opens the model only when its duty allows.

    The admin's own permission check comes after the duty's, so that no permission given to a duty account
    (the system administrator manages groups) opens another duty's pages or party work data. A subclass that
    overrides one of these methods calls super() or refuses outright; tests/test_security_duties.py holds
    every registered admin to that.
    """

    def duty_allows(self, request) -> bool:
        return admin_may_open(request.user, model_class(self.opts.app_label, self.opts.model_name))

    def has_module_permission(self, request):
        return self.duty_allows(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.duty_allows(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.duty_allows(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.duty_allows(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.duty_allows(request) and super().has_delete_permission(request, obj)


# --- Accounts (三员分立 against each duty, decided here and enforced by tasks.services.accounts) -------------


def has_duty(user) -> bool:
    return bool(getattr(user, "admin_duty", ""))


def may_manage_account(actor, account) -> bool:
    """Change (or delete) `account`'s record. The system administrator manages ordinary accounts and those of
    system administrators; the security and audit administrators' accounts, and superusers, are a superuser's."""
    if actor.is_superuser:
        return True
    if getattr(actor, "admin_duty", "") != ModelClass.SYSTEM:
        return False
    return not account.is_superuser and account.admin_duty in ("", ModelClass.SYSTEM)


def may_grant_admin_power(actor) -> bool:
    """A duty, staff or superuser status, groups and permissions: only a superuser (the bootstrap account,
    README "Deploying" item 5) gives or takes them, so no administrator widens their own or another's power."""
    return actor.is_superuser


def may_grant_work_role(actor, account) -> bool:
    """No duty account gives a work role (a membership) to a duty account, itself included: otherwise the system
    administrator could make himself a committee member and read every report and evidence file."""
    return not (has_duty(actor) and has_duty(account))


def may_set_password(actor, account) -> bool:
    """Set or reset `account`'s password (the owner changes their own on the password page, with the old one).

    Administrators' passwords (any duty) are reset by the security administrator, never their own; ordinary
    accounts' by the system administrator; a superuser's only by a superuser.
    """
    if actor.pk == account.pk or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if account.is_superuser:
        return False
    if has_duty(account):
        return getattr(actor, "admin_duty", "") == ModelClass.SECURITY
    return getattr(actor, "admin_duty", "") == ModelClass.SYSTEM


def may_manage_service_accounts(actor) -> bool:
    """Service accounts (systems using the API) are accounts: the system administrator's, or a superuser's."""
    return actor.is_active and (actor.is_superuser or getattr(actor, "admin_duty", "") == ModelClass.SYSTEM)
