"""Production settings: `check --deploy` passes with the documented environment, cookies are hardened, and
a server error shows a reference that is also in the log, never a traceback."""

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "SECURE_HSTS_SECONDS")}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="party.intranet.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        SITE_URL="https://party.intranet.example",
        AUDIT_CHAIN_KEY=secrets.token_urlsafe(48),
    )
    env.update(extra)
    return env


def manage(tmp_path, *args, **extra):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_environment(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 silenced" in result.stdout  # security.W004 (HSTS), and only while HSTS is off


def test_turning_hsts_on_stops_silencing_its_check(tmp_path):
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 silenced" in result.stdout


def test_check_deploy_warns_without_an_audit_chain_key(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", AUDIT_CHAIN_KEY="")
    assert result.returncode != 0
    assert "tasks.W001" in result.stderr and "AUDIT_CHAIN_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short-key", "same-as-the-secret-key-which-is-long-enough-anyway"])
def test_check_deploy_warns_about_a_weak_or_reused_audit_chain_key(settings, key):
    from tasks.checks import audit_chain_key_check

    settings.AUDIT_CHAIN_KEY = key
    settings.SECRET_KEY = "same-as-the-secret-key-which-is-long-enough-anyway"
    assert [warning.id for warning in audit_chain_key_check(None)] == ["tasks.W002"]
    settings.AUDIT_CHAIN_KEY = secrets.token_urlsafe(48)
    assert audit_chain_key_check(None) == []


def test_production_cookies_and_logs(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SESSION_IDLE_TIMEOUT, s.SESSION_ABSOLUTE_TIMEOUT, "
        "s.LOGGING['handlers']['console']['formatter']]))"
    )
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="partybuild.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout) == [True, True, True, "Lax", True, 1800, 43200, "json"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_a_server_error_shows_a_reference_and_logs_it_with_the_traceback(client, secretary_a, monkeypatch, caplog):
    from tasks import selectors

    def explode(*args, **kwargs):
        raise RuntimeError("boom in workbench")

    monkeypatch.setattr(selectors, "workbench", explode)
    client.raise_request_exception = False
    client.force_login(secretary_a)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(reverse("home"))
    assert response.status_code == 500
    ref = response["X-Error-Ref"]
    body = response.content.decode()
    assert f'id="error-ref">{ref}<' in body
    assert "Traceback" not in body and "boom" not in body
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info is not None
    from partybuild.logging import JsonFormatter, RequestContextFilter

    RequestContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["ref"] == ref and line["user"] == "secretary_a" and "boom in workbench" in line["exc"]


@pytest.mark.parametrize(("status", "marker"), [(403, b'id="error-403"'), (400, b'id="error-400"')])
def test_403_and_400_pages(client, secretary_a, status, marker):
    client.force_login(secretary_a)
    if status == 403:
        response = client.get(reverse("audit_log"))
    else:
        response = client.get(reverse("home"), HTTP_HOST="evil.example")  # DisallowedHost: 400
    assert response.status_code == status
    assert marker in response.content


def test_error_log_does_not_load_the_user_from_the_database():
    """During a database outage, logging the error must not query the database again (it would raise)."""
    import logging

    from django.test import RequestFactory
    from django.utils.functional import SimpleLazyObject

    from partybuild.logging import RequestContextFilter

    def unreachable_database():
        raise RuntimeError("the database is down")

    request = RequestFactory().get("/dashboard/")
    request.user = SimpleLazyObject(unreachable_database)
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.request = request
    assert RequestContextFilter().filter(record)
    assert record.user is None
    assert record.path == "/dashboard/"
