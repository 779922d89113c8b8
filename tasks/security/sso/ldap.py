"""LDAP / Active Directory through the login form (django-auth-ldap; `pip install partybuild[ldap]`).

The directory checks the password; the account is an existing local one, named like the user name typed or like
the entry's LDAP_USERNAME_ATTR. Nothing is copied from the directory into the account and no account is created.
django-auth-ldap's settings are built here from the plain LDAP_* variables (settings.py stays free of python-ldap,
which needs system libraries that an installation without LDAP does not have).
"""

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend as _LDAPBackend
from django_auth_ldap.backend import ldap_error
from django_auth_ldap.config import LDAPSearch, LDAPSettings

from tasks.security.sso.accounts import SSORefusal, note_refusal, sso_account


class LDAPBackend(_LDAPBackend):
    sso_provider = "ldap"

    @property
    def settings(self):
        if self._settings is None:
            timeout = settings.SSO_HTTP_TIMEOUT
            self._settings = LDAPSettings(
                self.settings_prefix,
                {
                    "SERVER_URI": settings.LDAP_SERVER_URI,
                    "BIND_DN": settings.LDAP_BIND_DN,
                    "BIND_PASSWORD": settings.LDAP_BIND_PASSWORD,
                    "START_TLS": settings.LDAP_START_TLS,
                    "USER_SEARCH": LDAPSearch(
                        settings.LDAP_USER_SEARCH_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_USER_FILTER
                    ),
                    "USER_ATTRLIST": ["*"],
                    "NO_NEW_USERS": True,
                    "ALWAYS_UPDATE_USER": False,
                    "CONNECTION_OPTIONS": {
                        ldap.OPT_NETWORK_TIMEOUT: timeout,
                        ldap.OPT_TIMEOUT: timeout,
                        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals need credentials we do not have
                    },
                },
            )
        return self._settings

    @settings.setter
    def settings(self, value):
        self._settings = value

    def get_or_build_user(self, username, ldap_user):
        external_id = username
        if settings.LDAP_USERNAME_ATTR:
            values = ldap_user.attrs.get(settings.LDAP_USERNAME_ATTR.lower()) or ldap_user.attrs.get(
                settings.LDAP_USERNAME_ATTR
            )
            external_id = values[0] if values else ""
        try:
            return sso_account(ldap_user._request, provider=self.sso_provider, external_id=external_id), False
        except SSORefusal as refusal:
            note_refusal(ldap_user._request, refusal)
            raise ldap_user.AuthenticationFailed(refusal.reason) from None


def _note_directory_error(sender, context, user, request=None, exception=None, **kwargs):
    # While logging in: binding, looking the user up or checking the password (not group or permission look-ups).
    if context in ("authenticate", "search_for_user_dn"):
        note_refusal(request, SSORefusal("directory_error", detail=str(exception)))


ldap_error.connect(_note_directory_error, dispatch_uid="partybuild_ldap_error")
