"""Single sign-on: OpenID Connect, CAS, LDAP / Active Directory, WeCom and DingTalk web login.

Each provider is on when its settings say so (README, "Integration"). The libraries speak the protocols
(mozilla-django-oidc, django-cas-ng, django-auth-ldap; WeCom and DingTalk here, in `oauth`); one function decides
which existing account an external identity logs in to, and whether it may (`accounts.sso_account`), so that every
provider refuses the same accounts for the same reasons.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tasks.security.sso.accounts import SSORefusal, is_administrator, sso_account


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    url: str


def sso_enabled(key: str) -> bool:
    return bool(
        {
            "oidc": settings.OIDC_RP_CLIENT_ID,
            "cas": settings.CAS_SERVER_URL,
            "ldap": settings.LDAP_SERVER_URI,
            "wecom": settings.WECOM_CORP_ID,
            "dingtalk": settings.DINGTALK_CLIENT_ID,
        }.get(key)
    )


def sso_login_buttons() -> list[Provider]:
    """The redirect providers the login page offers (LDAP uses the login form itself)."""
    buttons = [
        ("oidc", settings.OIDC_LABEL or _("Log in with unified identity (OIDC)"), "sso_oidc_start"),
        ("cas", settings.CAS_LABEL or _("Log in with unified identity (CAS)"), "sso_cas_login"),
        ("wecom", _("Log in with WeCom"), "sso_wecom_start"),
        ("dingtalk", _("Log in with DingTalk"), "sso_dingtalk_start"),
    ]
    return [Provider(key, str(label), reverse(url)) for key, label, url in buttons if sso_enabled(key)]


__all__ = ["Provider", "SSORefusal", "is_administrator", "sso_account", "sso_enabled", "sso_login_buttons"]
