"""The request being served, and the client address it came from: read here and nowhere else.

The address is the socket's peer, unless that peer is one of the proxies in settings.TRUSTED_PROXIES (nginx:
docs/nginx.conf sets X-Real-IP); then it is the X-Real-IP header, when that is a well-formed address. Anyone
else may send the header too, so from anyone else it is ignored. Audit rows, change history, django-axes
(AXES_CLIENT_IP_CALLABLE) and the logs all take the address from `client_ip`.
"""

import functools
import ipaddress

from django.conf import settings
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


@functools.lru_cache(maxsize=8)
def proxy_networks(entries: tuple[str, ...]) -> tuple:
    """TRUSTED_PROXIES as networks: addresses ("127.0.0.1") and CIDR ranges ("10.0.0.0/24")."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(value: str):
    address = ipaddress.ip_address(value)
    # A dual-stack socket reports an IPv4 peer as ::ffff:127.0.0.1.
    return address.ipv4_mapped or address if address.version == 6 else address


def is_trusted_proxy(peer: str | None) -> bool:
    if peer is None:
        return False
    address = _address(peer)
    return any(address in network for network in proxy_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    """The client's address: for audit rows, change history, django-axes (AXES_CLIENT_IP_CALLABLE) and logs."""
    peer = valid_ip(request.META.get("REMOTE_ADDR"))
    if is_trusted_proxy(peer):
        return valid_ip(request.META.get("HTTP_X_REAL_IP")) or peer
    return peer
