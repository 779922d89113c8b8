"""Session time-outs, forced password changes, private caching and the audit of refused requests."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from tasks.audit import audit_denied

LOGIN_AT = "pb_login_at"
LAST_SEEN = "pb_last_seen"
# How the session logged in: "" for a local password, else the single sign-on provider ("oidc", "ldap", ...).
LOGIN_VIA = "pb_login_via"
# Writing the session on every request would cost a database write per click; a minute's precision is plenty.
LAST_SEEN_RESOLUTION = 60


def start_session_clock(request) -> None:
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now


def _is_htmx(request) -> bool:
    # These middlewares run before django-htmx's, so request.htmx is not there yet.
    return request.headers.get("HX-Request") == "true"


def _to_login(request):
    url = f"{reverse(settings.LOGIN_URL)}?next={request.path}"
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on everything a signed-in user is sent: pages, evidence downloads, exports.

    A shared proxy must never hand one user's page to another, and a browser must not keep a committee member's
    ledger or a branch's evidence on the disk of a shared office computer after logout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = _signed_in(request)  # before the view: logging out turns the user anonymous
        response = self.get_response(request)
        if signed_in or _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT after login.

    The session cookie's own age alone would slide with every write; the login time kept in the session does
    not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT)
            last_seen = request.session.get(LAST_SEEN)
            if login_at is None or last_seen is None:
                start_session_clock(request)
            elif (idle := now - last_seen > settings.SESSION_IDLE_TIMEOUT) or (
                now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                request._partybuild_logout_reason = "idle" if idle else "absolute"
                logout(request)
                return _to_login(request)
            elif now - last_seen > LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user whose password is too old, or was set by an administrator, changes it before anything else."""

    allowed_url_names = ("password_change", "password_change_done", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # A single sign-on session has no local password to change: the identity platform's rules apply to it.
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(LOGIN_VIA)
            and password_change_required(user)
        ):
            allowed = {reverse(name) for name in self.allowed_url_names}
            if request.path not in allowed and not request.path.startswith(
                ("/" + settings.STATIC_URL.lstrip("/"), "/healthz/")
            ):
                if _is_htmx(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse("password_change")
                    return response
                return redirect("password_change")
        return self.get_response(request)


def password_change_required(user) -> bool:
    if user.must_change_password:
        return True
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    return bool(max_age) and (timezone.now() - user.password_changed_at).days >= max_age


class AuditDeniedMiddleware:
    """Every PermissionDenied that reaches Django (services, admin) becomes a `denied` audit row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            match = getattr(request, "resolver_match", None)
            audit_denied(
                request=request,
                # The page refused (its URL name), so that each id of one admin page counts as the same kind.
                kind=(match.view_name if match is not None and match.view_name else request.path),
                detail={"path": request.path[:300], "method": request.method},
            )
        return None
