"""Single sign-on views: start a login at the identity platform, and take its answer.

Each callback marks the request as a single sign-on callback (axes leaves it to `sso_account`), calls
`django.contrib.auth.authenticate`, and on an SSORefusal audits it and sends the person back to the login page with
the reason in words. A successful login is Django's own `login()`: new session id, session clock, audit row.
"""

import secrets

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django_cas_ng import views as cas_views
from django_cas_ng.utils import RedirectException
from mozilla_django_oidc import views as oidc_views

from tasks.security.sso import oauth, sso_enabled
from tasks.security.sso.accounts import SSORefusal, mark_sso_callback, sso_refused

STATE_SESSION_KEY = "pb_sso_state"


def _require(provider: str) -> None:
    if not sso_enabled(provider):
        raise Http404


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _refused(request, provider: str, refusal: SSORefusal):
    sso_refused(request, provider, refusal)
    return redirect(settings.LOGIN_URL)


def _callback(request, provider: str, view_get, other: type[Exception], answer_other):
    """A library's callback view (`view_get`), marked as a single sign-on callback; an SSORefusal is audited and sent
    back to the login page, the library's `other` exception answered by `answer_other()`."""
    _require(provider)
    mark_sso_callback(request, provider)
    try:
        return view_get(request)
    except SSORefusal as refusal:
        return _refused(request, provider, refusal)
    except other:
        return answer_other()


# --- OpenID Connect (mozilla-django-oidc's views, with our answer to a refusal) --------------------------------


class OIDCStartView(oidc_views.OIDCAuthenticationRequestView):
    def get(self, request):
        _require("oidc")
        return super().get(request)


class OIDCCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    def get(self, request):
        return _callback(
            request, "oidc", super().get, SuspiciousOperation, lambda: _refused(request, "oidc", SSORefusal("state"))
        )

    def login_failure(self):
        error = self.request.GET.get("error")
        refusal = SSORefusal("cancelled", detail=error) if error else SSORefusal("state")
        return _refused(self.request, "oidc", refusal)


# --- CAS (django-cas-ng's view: login redirect, ticket validation, single logout) ------------------------------


class CASLoginView(cas_views.LoginView):
    def get(self, request):
        return _callback(request, "cas", super().get, RedirectException, lambda: redirect(settings.LOGIN_REDIRECT_URL))

    def post(self, request):
        # The platform's single logout (a logoutRequest naming the ticket of a session, which is then deleted).
        _require("cas")
        try:
            return super().post(request)
        except RedirectException:
            return redirect(settings.LOGIN_REDIRECT_URL)


# --- WeCom and DingTalk -------------------------------------------------------------------------------------------

OAUTH_PROVIDERS = {
    "wecom": (oauth.wecom_authorize_url, "wecom_code", "sso_wecom_callback"),
    "dingtalk": (oauth.dingtalk_authorize_url, "dingtalk_code", "sso_dingtalk_callback"),
}


@require_GET
def oauth_start(request, provider: str):
    _require(provider)
    authorize_url, _, callback = OAUTH_PROVIDERS[provider]
    state = secrets.token_urlsafe(24)
    states = request.session.get(STATE_SESSION_KEY, {})
    states[provider] = {"state": state, "next": _safe_next(request, request.GET.get("next"))}
    request.session[STATE_SESSION_KEY] = states
    # Built from SITE_URL, not from the request's Host header: the platform only redirects to the registered domain.
    redirect_uri = settings.SITE_URL + reverse(callback)
    return redirect(authorize_url(request, redirect_uri=redirect_uri, state=state))


@require_GET
def oauth_callback(request, provider: str):
    _require(provider)
    _, credential, _ = OAUTH_PROVIDERS[provider]
    states = request.session.get(STATE_SESSION_KEY, {})
    expected = states.pop(provider, None)
    request.session[STATE_SESSION_KEY] = states
    state = request.GET.get("state", "")
    if expected is None or not state or not secrets.compare_digest(state, expected["state"]):
        return _refused(request, provider, SSORefusal("state"))
    code = request.GET.get("code") or request.GET.get("authCode") or ""
    if not code:
        return _refused(request, provider, SSORefusal("cancelled"))
    mark_sso_callback(request, provider)
    try:
        user = auth.authenticate(request, **{credential: code})
    except SSORefusal as refusal:
        return _refused(request, provider, refusal)
    if user is None:
        return _refused(request, provider, SSORefusal("provider_error", detail="no backend answered"))
    auth.login(request, user)
    return redirect(expected["next"])
