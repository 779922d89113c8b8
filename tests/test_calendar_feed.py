"""The private calendar (.ics) feed of a user's deadlines, and resetting its address."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from tasks.models import AnnualPlan, CalendarFeedToken, User
from tasks.services.accounts import user_password_set
from tasks.services.calendar_feed import calendar_feed_token_get_or_create, calendar_feed_token_reset
from tasks.services.rollover import plan_rollover
from tests.factories import UserFactory


def events(response) -> list:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def feed_url(user) -> str:
    return reverse("calendar_feed", args=[calendar_feed_token_get_or_create(user=user).token])


def test_the_feed_lists_the_users_assignments_without_logging_in(client, assignment_a1, assignment_b, secretary_a):
    found = events(client.get(feed_url(secretary_a)))

    assert len(found) == 1
    event = found[0]
    assert event.decoded("dtstart") == assignment_a1.deadline
    assert event.decoded("dtend") == assignment_a1.deadline + dt.timedelta(days=1)
    assert "1.2" in str(event["summary"]) and "办公室党支部" in str(event["summary"])
    assert str(event["uid"]).startswith(f"assignment-{assignment_a1.pk}@")
    assert reverse("assignment_detail", args=[assignment_a1.pk]) in str(event["url"])
    assert len(event.walk("VALARM")) == 1


def test_a_committee_member_gets_only_what_they_own_or_manage(client, assignment_a1, assignment_b, committee):
    assert events(client.get(feed_url(committee))) == []


def test_draft_plans_stay_out_of_the_feed(client, assignment_a1, secretary_a, committee):
    plan_rollover(plan=assignment_a1.key_task.plan, user=committee)
    assert AnnualPlan.objects.get(year=2024).status == AnnualPlan.Status.DRAFT
    assert len(events(client.get(feed_url(secretary_a)))) == 1


def test_resetting_the_address_kills_the_old_one(client, assignment_a1, secretary_a):
    old = feed_url(secretary_a)
    client.force_login(secretary_a)
    response = client.post(reverse("calendar_feed_reset"))
    assert response.status_code == 302
    client.logout()

    assert client.get(old).status_code == 404
    new = reverse("calendar_feed", args=[CalendarFeedToken.objects.get(user=secretary_a).token])
    assert new != old and len(events(client.get(new))) == 1


def test_a_wrong_token_or_an_inactive_user_gets_404(client, assignment_a1, secretary_a):
    assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404
    url = feed_url(secretary_a)
    secretary_a.is_active = False
    secretary_a.save()
    assert client.get(url).status_code == 404


def test_reset_needs_a_login_and_a_post(client, secretary_a):
    assert client.post(reverse("calendar_feed_reset")).status_code == 302  # to the login page
    assert not CalendarFeedToken.objects.exists()
    client.force_login(secretary_a)
    assert client.get(reverse("calendar_feed_reset")).status_code == 405


@pytest.mark.django_db
def test_reset_creates_a_token_when_there_is_none(secretary_a):
    feed = calendar_feed_token_reset(user=secretary_a)
    assert len(feed.token) >= 40


def test_a_new_password_replaces_the_calendar_address(client, assignment_a1, secretary_a):
    """The address is a second key to the user's deadlines: whoever changes a password after a leak or a handover
    expects the old way in to close, the calendar's included."""
    old = feed_url(secretary_a)
    client.force_login(secretary_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": "Correct-Horse-42", "new_password1": "Autumn-Lake-77", "new_password2": "Autumn-Lake-77"},
    )
    assert response.status_code == 302
    assert client.get(old).status_code == 404
    new = feed_url(secretary_a)
    assert new != old and len(events(client.get(new))) == 1

    # The same when an administrator sets it.
    sysadmin = UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)
    user_password_set(actor=sysadmin, user=secretary_a, password="Winter-Pine-88")
    assert client.get(new).status_code == 404


def test_other_changes_of_the_account_keep_the_calendar_address(client, assignment_a1, secretary_a):
    url = feed_url(secretary_a)
    secretary_a.full_name = "张伟（党支部书记）"
    secretary_a.save()
    client.force_login(secretary_a)  # a login writes last_login
    assert len(events(client.get(url))) == 1
