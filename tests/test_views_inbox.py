"""The bell, the inbox page, the e-mail choice and the urge button, as users see them."""

import pytest
from django.urls import reverse

from tasks.models import InboxMessage, Urge
from tasks.services import inbox_message_create


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def two_messages(secretary_b, assignment_b):
    first = inbox_message_create(
        user=secretary_b, title="逾期提醒 1.2", body="请尽快报送", url=assignment_b.get_absolute_url()
    )
    second = inbox_message_create(user=secretary_b, title="临期提醒 1.2", body="", url="")
    return first, second


def test_the_bell_shows_the_unread_count_and_links_to_the_inbox(client, secretary_b, two_messages):
    page = login(client, secretary_b).get(reverse("home")).content.decode()

    assert f'href="{reverse("inbox")}"' in page
    assert '<span class="badge rounded-pill bg-warning text-dark">2</span>' in page


def test_inbox_lists_only_the_users_own_messages(client, secretary_b, secretary_a, two_messages):
    inbox_message_create(user=secretary_a, title="别人的消息")

    page = login(client, secretary_b).get(reverse("inbox")).content.decode()

    assert "逾期提醒 1.2" in page
    assert "临期提醒 1.2" in page
    assert "别人的消息" not in page


def test_mark_one_as_read(client, secretary_b, two_messages):
    first, second = two_messages

    response = login(client, secretary_b).post(reverse("inbox_read"), {"message": first.pk})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    page = client.get(reverse("inbox")).content.decode()
    assert '<span class="badge rounded-pill bg-warning text-dark">1</span>' in page


def test_mark_all_as_read(client, secretary_b, two_messages):
    login(client, secretary_b).post(reverse("inbox_read"))
    assert not InboxMessage.objects.filter(user=secretary_b, read_at__isnull=True).exists()


def test_someone_elses_message_is_not_found(client, secretary_a, two_messages):
    first, _second = two_messages
    login(client, secretary_a)

    assert client.post(reverse("inbox_read"), {"message": first.pk}).status_code == 404
    assert client.get(reverse("inbox_open", args=[first.pk])).status_code == 404
    first.refresh_from_db()
    assert first.read_at is None


def test_opening_a_message_marks_it_read_and_follows_its_link(client, secretary_b, two_messages, assignment_b):
    first, _second = two_messages

    response = login(client, secretary_b).get(reverse("inbox_open", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == assignment_b.get_absolute_url()
    first.refresh_from_db()
    assert first.read_at is not None


def test_a_message_link_to_another_site_is_not_followed(client, secretary_b):
    message = inbox_message_create(user=secretary_b, title="x", url="https://evil.example/")
    response = login(client, secretary_b).get(reverse("inbox_open", args=[message.pk]))
    assert response["Location"] == reverse("inbox")


def test_users_choose_email_reminders(client, secretary_b):
    login(client, secretary_b).post(reverse("inbox_preferences"), {})
    secretary_b.refresh_from_db()
    assert secretary_b.notify_by_email is False

    client.post(reverse("inbox_preferences"), {"notify_by_email": "on"})
    secretary_b.refresh_from_db()
    assert secretary_b.notify_by_email is True


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- Urge ------------------------------------------------------------------------------------------------


def test_committee_members_see_the_urge_button_others_do_not(client, committee, secretary_b, assignment_b):
    url = assignment_b.get_absolute_url()
    urge_url = reverse("assignment_urge", args=[assignment_b.pk])

    assert urge_url in login(client, committee).get(url).content.decode()
    client.logout()
    assert urge_url not in login(client, secretary_b).get(url).content.decode()


def test_urging_tells_the_owner_at_once_and_shows_on_the_timeline(client, committee, secretary_b, assignment_b):
    response = login(client, committee).post(
        reverse("assignment_urge", args=[assignment_b.pk]), {"message": "请于周五前报送"}, follow=True
    )

    assert response.status_code == 200
    urge = Urge.objects.get()
    assert (urge.urged_by, urge.message) == (committee, "请于周五前报送")
    message = InboxMessage.objects.get(user=secretary_b)
    assert "请于周五前报送" in message.body
    page = response.content.decode()
    assert "请于周五前报送" in page  # on the timeline
    client.logout()
    bell = login(client, secretary_b).get(reverse("home")).content.decode()
    assert '<span class="badge rounded-pill bg-warning text-dark">1</span>' in bell


def test_urging_with_htmx_returns_the_form_again(client, committee, assignment_b):
    response = login(client, committee).post(
        reverse("assignment_urge", args=[assignment_b.pk]), {"message": "请尽快报送"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="urge-box"' in page
    assert "alert-success" in page
    assert Urge.objects.count() == 1


def test_the_urge_box_starts_with_a_message_that_one_click_sends(client, committee, assignment_b):
    page = login(client, committee).get(assignment_b.get_absolute_url()).content.decode()
    assert "请尽快报送工作进展情况。" in page


@pytest.mark.parametrize("htmx", [True, False])
def test_an_urge_without_a_message_is_refused_where_it_was_written(client, committee, assignment_b, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = login(client, committee).post(
        reverse("assignment_urge", args=[assignment_b.pk]), {"message": "  "}, headers=headers
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "请写明对承办单位的要求。" in page
    assert ("<html" in page) is not htmx
    assert Urge.objects.count() == 0


def test_only_committee_members_can_urge(client, secretary_b, secretary_a, assignment_b):
    assert login(client, secretary_b).post(reverse("assignment_urge", args=[assignment_b.pk])).status_code == 404
    client.logout()
    assert login(client, secretary_a).post(reverse("assignment_urge", args=[assignment_b.pk])).status_code == 404
    assert Urge.objects.count() == 0


def test_urge_needs_post(client, committee, assignment_b):
    assert login(client, committee).get(reverse("assignment_urge", args=[assignment_b.pk])).status_code == 405


def test_users_choose_one_email_a_day_or_one_per_reminder_and_quiet_days_off(client, secretary_b):
    assert (secretary_b.reminder_email_mode, secretary_b.quiet_days_off) == ("daily", True)  # the defaults

    response = login(client, secretary_b).post(
        reverse("inbox_preferences"), {"notify_by_email": "on", "email_mode": "each"}, follow=True
    )

    secretary_b.refresh_from_db()
    assert (secretary_b.notify_by_email, secretary_b.reminder_email_mode, secretary_b.quiet_days_off) == (
        True,
        "each",
        False,
    )
    page = response.content.decode()
    assert "已开启邮件提醒：每条提醒一封邮件。" in page
    assert 'value="each" id="email-each" checked' in page


def test_an_unknown_email_mode_is_refused_with_a_message_and_nothing_saved(client, secretary_b):
    response = login(client, secretary_b).post(
        reverse("inbox_preferences"), {"email_mode": "hourly", "quiet_days_off": "on"}, follow=True
    )

    assert response.status_code == 422
    assert "请选择邮件提醒方式：每天一封，或每条提醒一封。" in response.content.decode()
    secretary_b.refresh_from_db()
    assert (secretary_b.notify_by_email, secretary_b.reminder_email_mode) == (True, "daily")


def test_email_reminders_without_an_address_are_refused_on_the_inbox_page(client, secretary_b):
    secretary_b.email, secretary_b.notify_by_email = "", False
    secretary_b.save(update_fields=["email", "notify_by_email"])
    page = login(client, secretary_b).get(reverse("inbox")).content.decode()
    assert 'name="notify_by_email" id="channel-email">' in page  # not ticked: no e-mail can reach them
    response = login(client, secretary_b).post(reverse("inbox_preferences"), {"notify_by_email": "on"})
    assert response.status_code == 422
    assert "您的账号没有登记电子邮箱" in response.content.decode()
    secretary_b.refresh_from_db()
    assert secretary_b.notify_by_email is False
