"""Accounts, passwords and work roles as administrators change them: 三员分立 holds here, whatever the way in.

The admin calls these services (tasks.admin.work, tasks.admin.security); so does anything else that changes an
account. Each refuses with PermissionDenied what tasks.security.duties forbids, so a forged POST to an admin URL
meets the same rule as the form. The audit rows of these changes come from the change history (users and
memberships have it); a password set by an administrator adds its own row.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from tasks.audit import Action, audit_record
from tasks.models import Membership, User
from tasks.security import duties


def _refuse(message: str):
    raise PermissionDenied(message)


def user_save(*, actor, user: User, groups=None, user_permissions=None) -> User:
    """Create or change `user` as `actor`. Administrative power (a duty, staff or superuser status, groups,
    permissions) is a superuser's to give; a new account's password was set by someone else, so it must be
    changed at first login. `groups` and `user_permissions`, when given, replace the account's."""
    stored = User.objects.filter(pk=user.pk).first() if user.pk else None
    if stored is not None and not duties.may_manage_account(actor, stored):
        _refuse(_("Only a superuser may change the security or audit administrator's account."))
    if stored is None and duties.has_duty(user) and not duties.may_grant_admin_power(actor):
        _refuse(_("Only a superuser may create an administrator account."))
    power = [
        name
        for name in ("admin_duty", "is_staff", "is_superuser")
        if getattr(user, name) != (getattr(stored, name) if stored is not None else User._meta.get_field(name).default)
    ]
    if groups is not None and set(groups) != set(stored.groups.all() if stored is not None else []):
        power.append("groups")
    if user_permissions is not None and set(user_permissions) != set(
        stored.user_permissions.all() if stored is not None else []
    ):
        power.append("user_permissions")
    if power and not duties.may_grant_admin_power(actor):
        _refuse(_("Only a superuser may give or take administrator duties, staff status, groups or permissions."))
    was_service = stored.is_service_account if stored is not None else False
    if user.is_service_account != was_service and not duties.may_manage_service_accounts(actor):
        _refuse(_("Only the system administrator makes an account a service account or a person's again."))
    with transaction.atomic():
        if user.is_service_account:
            # A system never logs in: no password (its API tokens are created on the token page).
            user.set_unusable_password()
            user.must_change_password = False
        elif stored is None and user.pk != actor.pk:
            user.must_change_password = True  # the first password was chosen by the administrator
        user.save()
        if groups is not None:
            user.groups.set(groups)
        if user_permissions is not None:
            user.user_permissions.set(user_permissions)
    return user


def user_password_set(*, actor, user: User, password: str | None) -> User:
    """Set (None: disable) `user`'s password as an administrator. The user must change it at next login, so
    that nobody but the user knows the password they work with."""
    if not duties.may_set_password(actor, user):
        _refuse(
            _("Administrators' passwords are reset by the security administrator, never their own.")
            if duties.has_duty(user)
            else _("You may not set this account's password.")
        )
    with transaction.atomic():
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.must_change_password = True
        user.save()
        audit_record(
            action=Action.PASSWORD_CHANGE,
            user=actor,
            obj=user,
            detail={"set_by_administrator": True, "changes": {"password": ["", "changed"]}},
        )
    return user


def membership_save(*, actor, membership: Membership) -> Membership:
    """Give (or change) a work role. No duty account gives one to a duty account, itself included."""
    if not duties.may_grant_work_role(actor, membership.user):
        _refuse(work_role_refusal())
    membership.save()
    return membership


def membership_delete(*, actor, membership: Membership) -> None:
    """Taking a work role away gives nobody anything; the history and the audit log keep it."""
    membership.delete()


def work_role_refusal() -> str:
    return _(
        "An administrator account (system, security or audit administrator) cannot be given a work role by an "
        "administrator: 三员分立. A superuser grants it if it is really needed."
    )
