"""Authentication and permission backends (settings.AUTHENTICATION_BACKENDS)."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from tasks.security.duties import ModelClass, duty_permits, model_class


class PartyBuildModelBackend(ModelBackend):
    """Django's backend, refusing accounts that still carry a printed demo password when DEBUG is off.

    seed_demo prints its passwords (and `make run` uses a published one), so outside development they are
    as good as public: such an account logs in only after an administrator sets a real password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.SSO_LOCAL_LOGIN == "administrators" and username is not None:
            from tasks.models import User
            from tasks.security.sso.accounts import SSORefusal, is_administrator, note_refusal

            user = User.objects.filter(username=username).first()
            if user is not None and not is_administrator(user):
                # Refused before the password is checked: the form is no way in for this account, so it is no
                # oracle for its password either, and the attempt does not count towards a lockout
                # (tasks.security.sso.accounts.is_sso_callback) that would also shut its single sign-on.
                note_refusal(request, SSORefusal("local_disabled", username))
                return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        if getattr(user, "has_demo_password", False) and not settings.DEBUG:
            return False
        if getattr(user, "is_service_account", False):
            return False  # a system uses API tokens; it never logs in
        return super().user_can_authenticate(user)


class DutyPermissionBackend:
    """Grants each administrator duty (三员分立) the model permissions of its own area, and nothing else.

    The system administrator manages accounts, units and settings; the security administrator lockouts and
    access logs; the audit administrator may only view the audit log.
    """

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        duty = getattr(user_obj, "admin_duty", "")
        if not duty or not user_obj.is_active or "." not in perm:
            return False
        app_label, codename = perm.split(".", 1)
        action, _, model_name = codename.partition("_")
        return duty_permits(duty, model_class(app_label, model_name), action)

    def has_module_perms(self, user_obj, app_label):
        duty = getattr(user_obj, "admin_duty", "")
        if not duty or not user_obj.is_active:
            return False
        from django.apps import apps

        try:
            models = apps.get_app_config(app_label).get_models()
        except LookupError:
            return False
        return any(model_class(app_label, model._meta.model_name) == ModelClass(duty) for model in models)


def lockout_username(request, credentials) -> str:
    """The username django-axes counts failures against (settings.AXES_USERNAME_CALLABLE).

    Cut to the length a username may have: axes stores what it is given in a 255-character column, and a
    hostile login form post with a longer "username" would otherwise fail with a database error.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username", "")
    return str(username or "")[:150]
