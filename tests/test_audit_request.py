"""The client address: X-Real-IP only from a trusted proxy (TRUSTED_PROXIES), else the socket's peer, the same for
audit rows, change history, django-axes and the logs."""

import importlib
import logging

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from partybuild.logging import RequestContextFilter
from tasks.audit import client_ip
from tasks.models import AuditEntry
from tests.factories import TEST_PASSWORD


def request_from(peer: str, real_ip: str | None = None):
    headers = {"HTTP_X_REAL_IP": real_ip} if real_ip else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


@pytest.mark.parametrize(
    ("trusted", "peer", "header", "expected"),
    [
        (["127.0.0.1"], "127.0.0.1", "10.1.2.3", "10.1.2.3"),  # nginx on the same machine
        (["127.0.0.1"], "203.0.113.9", "10.1.2.3", "203.0.113.9"),  # straight to gunicorn: the header is a lie
        (["127.0.0.1"], "::ffff:127.0.0.1", "10.1.2.3", "10.1.2.3"),  # a dual-stack socket's IPv4 peer
        (["10.0.0.0/24"], "10.0.0.17", "192.168.5.5", "192.168.5.5"),  # a range of proxies
        (["10.0.0.0/24"], "10.0.1.17", "192.168.5.5", "10.0.1.17"),
        (["10.0.0.0/24"], "127.0.0.1", "192.168.5.5", "127.0.0.1"),  # localhost is trusted only when listed
        (["127.0.0.1", "fd00::/8"], "fd00::5", "10.9.9.9", "10.9.9.9"),
        (["127.0.0.1"], "127.0.0.1", "<script>", "127.0.0.1"),  # a trusted proxy's header must still be an address
        (["127.0.0.1"], "127.0.0.1", None, "127.0.0.1"),
        ([], "127.0.0.1", "10.1.2.3", "127.0.0.1"),  # no proxy at all
    ],
)
def test_the_header_counts_only_from_a_trusted_proxy(settings, trusted, peer, header, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(request_from(peer, header)) == expected


def test_a_forged_header_sent_straight_to_the_server_is_recorded_as_the_socket_address(client, secretary_a, caplog):
    forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_REAL_IP": "10.66.66.66"}
    client.post(reverse("login"), {"username": "secretary_a", "password": "wrong"}, **forged)
    client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD}, **forged)
    assert {row.ip for row in AuditEntry.objects.filter(action__in=["login_failed", "login"])} == {"203.0.113.9"}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) <= {"203.0.113.9"}

    # The logs say the same.
    request = request_from("203.0.113.9", "10.66.66.66")
    record = logging.LogRecord("x", logging.INFO, "", 0, "", (), None)
    record.request = request
    RequestContextFilter().filter(record)
    assert record.ip == "203.0.113.9"


def test_behind_the_configured_proxy_the_header_is_the_address_everywhere(client, settings, secretary_a):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    behind = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_REAL_IP": "172.16.8.8"}
    client.post(reverse("login"), {"username": "secretary_a", "password": "wrong"}, **behind)
    (failed,) = AuditEntry.objects.filter(action="login_failed")
    assert failed.ip == "172.16.8.8"
    assert AccessAttempt.objects.get().ip_address == "172.16.8.8"


def test_an_invalid_proxy_setting_stops_the_server_with_its_name(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1,nginx.intranet")
    monkeypatch.setenv("DEBUG", "1")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        importlib.reload(importlib.import_module("partybuild.settings"))
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(importlib.import_module("partybuild.settings"))  # as it was
