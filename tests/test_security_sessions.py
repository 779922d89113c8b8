"""Sessions: a new id at login, deleted at logout, 30 minutes idle and 12 hours at most."""

import datetime as dt

import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from tasks.models import AuditEntry
from tests.factories import TEST_PASSWORD

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_login_issues_a_new_session_id(client, secretary_a):
    client.get(reverse("login"))
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key
    client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD})
    after = client.session.session_key
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_deletes_the_session_on_the_server(client, secretary_a):
    client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD})
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets nowhere.
    client.cookies["sessionid"] = key
    assert client.get(reverse("home")).status_code == 302
    assert AuditEntry.objects.filter(action="logout", username="secretary_a").count() == 1


def test_thirty_idle_minutes_end_the_session(client, secretary_a):
    with time_machine.travel(START, tick=False):
        client.force_login(secretary_a)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=29 + 31), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.get(action="logout").detail["reason"] == "idle"


def test_an_htmx_request_after_the_time_out_is_sent_to_the_login_page(client, secretary_a):
    with time_machine.travel(START, tick=False):
        client.force_login(secretary_a)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"].startswith(reverse("login"))


def test_twelve_hours_end_the_session_however_busy(client, secretary_a):
    with time_machine.travel(START, tick=False):
        client.force_login(secretary_a)
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("inbox")).status_code == 200, minutes
    with time_machine.travel(START + dt.timedelta(hours=12, minutes=1), tick=False):
        assert client.get(reverse("inbox")).status_code == 302
    assert AuditEntry.objects.get(action="logout").detail["reason"] == "absolute"


def test_cookies_are_http_only_and_same_site(client, secretary_a, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
