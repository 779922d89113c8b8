"""Which existing account an external identity logs in to, and whether it may.

Every provider ends here, so that lockout, inactive accounts and 三员分立 apply to single sign-on exactly as to
passwords: an identity maps to an account that already exists (never created, never given a role), and an account
that is locked out, inactive, or holds an administrator duty (or is a superuser) is refused. Administrators keep
their local passwords: the identity platform belongs to the organisation, and an account that manages accounts,
security or the audit log must not be reachable through it.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from tasks.audit import Action, Result, audit_record
from tasks.models import User

SSO_CALLBACK_ATTR = "_partybuild_sso"
REFUSAL_ATTR = "_partybuild_sso_refusal"

# Why a login was refused: the code goes to the audit log, the words to the person.
REASONS = {
    "no_identity": _("The identity platform did not say who you are. Please try again."),
    "no_account": _(
        "Your unified identity has no account in PartyBuild. Ask the system administrator to create one "
        "with your identity's user name."
    ),
    "inactive": _("This account is disabled. Ask the system administrator."),
    "administrator": _("Administrator accounts log in with their own password, not through single sign-on."),
    "locked": _(
        "This account is locked after too many failed logins. Try again later or ask the security administrator."
    ),
    "provider_error": _("The identity platform could not be reached or refused the login. Please try again later."),
    "state": _("The login link has expired or was used already. Please start again."),
    "cancelled": _("Login was cancelled on the identity platform."),
    "local_disabled": _("This system uses single sign-on: please log in with your unified identity."),
    "directory_error": _("The directory server could not be reached. Please try again later."),
    "service_account": _("This is a service account for another system: it uses API tokens and cannot log in."),
}


class SSORefusal(Exception):  # noqa: N818 - a refusal is an answer, not a failure of the program
    def __init__(self, reason: str, external_id: str = "", detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.external_id = external_id
        self.detail = detail

    @property
    def message(self) -> str:
        return str(REASONS.get(self.reason, REASONS["provider_error"]))


def is_administrator(user) -> bool:
    return bool(user.admin_duty) or user.is_superuser


def is_locked(request, username: str) -> bool:
    """django-axes' own verdict for the account (a lock counts failed logins under the local username)."""
    if request is None:
        return False
    return AxesProxyHandler.is_locked(request, {"username": username})


def sso_account(request, *, provider: str, external_id) -> User:
    """The existing account `external_id` logs in to, or SSORefusal saying why not.

    `external_id` is the value of the configured claim or attribute: the account's username (case as stored;
    an identity platform's case rules are its own, so a match ignores case only when exactly one account fits).
    """
    external_id = str(external_id or "").strip()
    if not external_id:
        raise SSORefusal("no_identity")
    user = User.objects.filter(username=external_id).first()
    if user is None:
        candidates = list(User.objects.filter(username__iexact=external_id)[:2])
        user = candidates[0] if len(candidates) == 1 else None
    if user is None:
        raise SSORefusal("no_account", external_id)
    if not user.is_active:
        raise SSORefusal("inactive", external_id)
    if is_administrator(user):
        raise SSORefusal("administrator", external_id)
    if user.is_service_account:
        raise SSORefusal("service_account", external_id)
    if is_locked(request, user.get_username()):
        raise SSORefusal("locked", external_id)
    return user


def sso_refused(request, provider: str, refusal: SSORefusal) -> None:
    """Audit a refused single sign-on and tell the person why, on the login page they are sent back to."""
    audit_record(
        action=Action.LOGIN_FAILED,
        request=request,
        username=refusal.external_id[:150],
        object_type="tasks.user",
        object_repr=refusal.external_id[:200],
        result=Result.FAILURE,
        detail={
            "via": provider,
            "reason": refusal.reason,
            **({"error": refusal.detail[:300]} if refusal.detail else {}),
        },
    )
    messages.error(request, refusal.message)


def mark_sso_callback(request, provider: str) -> None:
    setattr(request, SSO_CALLBACK_ATTR, provider)


def is_sso_callback(request, credentials=None) -> bool:
    """settings.AXES_WHITELIST_CALLABLE: axes neither checks nor counts a single sign-on callback (we check), nor a
    login form refused because local passwords are for administrators only (no password was checked)."""
    if getattr(request, SSO_CALLBACK_ATTR, None):
        return True
    refusal = noted_refusal(request)
    return refusal is not None and refusal.reason == "local_disabled"


def note_refusal(request, refusal: SSORefusal) -> None:
    """For the login form (LDAP, local passwords): the reason is shown instead of "wrong password"."""
    if request is not None:
        setattr(request, REFUSAL_ATTR, refusal)


def noted_refusal(request) -> SSORefusal | None:
    return getattr(request, REFUSAL_ATTR, None)
