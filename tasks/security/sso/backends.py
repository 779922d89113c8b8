"""Authentication backends of the redirect providers. Each turns a protocol answer into an external identity and
hands it to `sso_account`, which picks the existing account or refuses (SSORefusal propagates out of
`django.contrib.auth.authenticate` to the view, which audits it and tells the person why).

`sso_provider` names the way in: the login's audit row and the session record it.
"""

import logging
import xml.etree.ElementTree as ET

import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django_cas_ng.utils import get_cas_client
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from tasks.security.sso import oauth
from tasks.security.sso.accounts import SSORefusal, sso_account

logger = logging.getLogger("partybuild.security")


class OIDCBackend(OIDCAuthenticationBackend):
    sso_provider = "oidc"

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs:
            return None  # not our callback (Django asks every backend that accepts the credentials)
        try:
            user = super().authenticate(request, **kwargs)
        except SSORefusal:
            raise
        except (requests.RequestException, SuspiciousOperation, ValueError, KeyError, TypeError) as exc:
            # A token endpoint that refuses the code, a signature or nonce that does not verify, a broken answer.
            raise SSORefusal("provider_error", detail=f"{type(exc).__name__}: {exc}") from exc
        if user is None:
            raise SSORefusal("provider_error", detail="no verified id token")
        return user

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        return sso_account(
            self.request, provider=self.sso_provider, external_id=claims.get(settings.OIDC_USERNAME_CLAIM)
        )


class _TimeoutSession(requests.Session):
    """python-cas sets no time-out: an identity platform that hangs must not hold a web worker."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.SSO_HTTP_TIMEOUT)
        return super().request(*args, **kwargs)


def cas_session() -> requests.Session:
    """settings.CAS_SESSION_FACTORY."""
    return _TimeoutSession()


class CASBackend(ModelBackend):
    """Validates the ticket with django-cas-ng's client, then maps the CAS user (or CAS_USERNAME_ATTRIBUTE).

    django-cas-ng's own backend would create accounts and apply CAS attributes, affiliations and staff or superuser
    flags to them; here the platform only says who someone is, never what they may do.
    """

    sso_provider = "cas"

    def authenticate(self, request, ticket, service):
        client = get_cas_client(service_url=service, request=request)
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except (requests.RequestException, ET.ParseError, ValueError) as exc:
            raise SSORefusal("provider_error", detail=f"{type(exc).__name__}: {exc}") from exc
        if not username:
            raise SSORefusal("provider_error", detail="ticket not validated")
        if settings.CAS_USERNAME_ATTRIBUTE != "cas:user":
            username = (attributes or {}).get(settings.CAS_USERNAME_ATTRIBUTE) or ""
            if isinstance(username, list):
                username = username[0] if username else ""
        return sso_account(request, provider=self.sso_provider, external_id=username)


class WeComBackend(ModelBackend):
    sso_provider = "wecom"

    def authenticate(self, request, wecom_code):
        return sso_account(request, provider=self.sso_provider, external_id=oauth.wecom_user_id(wecom_code))


class DingTalkBackend(ModelBackend):
    sso_provider = "dingtalk"

    def authenticate(self, request, dingtalk_code):
        return sso_account(request, provider=self.sso_provider, external_id=oauth.dingtalk_identity(dingtalk_code))


def login_via(backend_path: str) -> str:
    """The provider of an authentication backend ("" for a local password)."""
    from django.utils.module_loading import import_string

    try:
        return getattr(import_string(backend_path), "sso_provider", "")
    except ImportError:
        return ""
