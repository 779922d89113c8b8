"""The request being served, and the client address it came from: read here and nowhere else.

Today the address is X-Real-IP when it is a well-formed address (nginx sets it: docs/nginx.conf), else the
socket address.
"""

import ipaddress

from simple_history.models import HistoricalRecords


def current_request():
    """The request this thread is serving (simple-history's middleware keeps it), or None in a job or a
    command. Lets services and signal receivers audit the address without a request argument."""
    return getattr(HistoricalRecords.context, "request", None)


def valid_ip(value) -> str | None:
    """A client address fit for an inet column, or None: X-Real-IP is just a header anyone can send."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: for audit rows, change history, django-axes (AXES_CLIENT_IP_CALLABLE) and logs."""
    # Behind nginx the socket address is the proxy; nginx sets X-Real-IP (docs/nginx.conf).
    return valid_ip(request.META.get("HTTP_X_REAL_IP")) or valid_ip(request.META.get("REMOTE_ADDR"))
