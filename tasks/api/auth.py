"""How API callers prove who they are, and what a token lets them do.

- `TokenAuthentication`: `Authorization: Bearer pb_...`, a personal token or a service account's (tasks.models.ApiToken;
  tasks.services.api_tokens checks it). A wrong, revoked or expired token is a 401, never a fall-back to anonymous.
- `SessionAuthentication`: the signed-in browser (the documentation page); writes need the CSRF token, as DRF's does.
- `TokenScope`: a read-only token reads. `ApiRateThrottle`: requests per token (or per session user) and minute,
  counted in the shared cache.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling

from tasks.models import ApiToken
from tasks.services.api_tokens import api_token_authenticate


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("The API token is not valid, was revoked or has expired.")
            ) from None
        token = api_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The API token is not valid, was revoked or has expired."))
        # The audit rows of writes made with this token name it (tasks.audit.recording reads it from the request).
        request._request.api_token_id = token.pk
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser (the documentation page, scripts on the intranet page). Writes need the CSRF token."""


class TokenScope(permissions.BasePermission):
    message = "read-only"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and not request.auth.may_write:
            self.message = _("This API token is read only: create a read and write token to change anything.")
            return False
        return True


class ApiRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE_LIMIT requests per token (a session: per user; no one signed in: per address) in the shared cache
    (CACHE_URL), so every web process counts together. Over it: 429 with Retry-After."""

    scope = "api"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"partybuild:throttle:api:{ident}"

    def get_ident(self, request):
        from tasks.audit import client_ip

        return client_ip(request._request) or "-"
