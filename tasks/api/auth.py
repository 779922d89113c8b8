"""How API callers prove who they are: the browser's session (with CSRF on writes, as DRF's session
authentication does)."""

from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser (the documentation page, scripts on the intranet page). Writes need the CSRF token."""
