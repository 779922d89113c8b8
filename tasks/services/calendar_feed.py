"""A private iCalendar (.ics) feed per user: their assignments' deadlines, for a phone's calendar.

The feed lists the assignments the user owns or manages as secretary or party-affairs worker (not every
assignment a committee member may see: a calendar with the whole plan in it helps nobody), in plans that
are published, always through tasks.access. Each deadline is an all-day event with an alarm at 09:00 the
day before (the phone knows nothing of our working-day calendar; the app's own reminders do).
In a tree of committees the calendar is named after the user's committee, and a deadline of another committee's
plan (the 工委's key task given to a bureau) names that committee: both plans may number a task 1.1.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from tasks import access
from tasks.models import AnnualPlan, CalendarFeedToken, OrgUnit
from tasks.models.feeds import new_feed_token

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODUCT_ID = "-//PartyBuild//Party-building key tasks//ZH"


def calendar_feed_token_get_or_create(*, user) -> CalendarFeedToken:
    feed, _created = CalendarFeedToken.objects.get_or_create(user=user)
    return feed


def calendar_feed_token_reset(*, user) -> CalendarFeedToken:
    """A new secret: the old URL stops working at once."""
    with transaction.atomic():
        feed, created = CalendarFeedToken.objects.select_for_update().get_or_create(user=user)
        if not created:
            feed.token = new_feed_token()
            feed.created_at = timezone.now()
            feed.save(update_fields=["token", "created_at"])
    return feed


def calendar_feed_user(token: str):
    """The active user whose feed this token opens, or None (and the feed's use is noted)."""
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        return None
    now = timezone.now()
    # Phones poll every few minutes: note the use at most hourly, not on every request.
    if feed.last_used_at is None or now - feed.last_used_at > dt.timedelta(hours=1):
        CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user


def feed_assignments(user):
    scope = access.scope_for(user)
    return (
        access.visible_assignments(user)
        .filter(Q(owner_id=scope.user_id) | Q(unit_id__in=scope.unit_ids))
        .filter(key_task__plan__status=AnnualPlan.Status.PUBLISHED)
        .select_related("key_task__plan__committee", "unit")
        .order_by("deadline", "id")
    )


def calendar_feed_ics(*, user) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    home_id = access.home_committee_id(user)
    home = OrgUnit.objects.filter(pk=home_id).first()
    calendar.add("x-wr-calname", f"{home.name if home else ''}党建任务完成时限")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # Clients poll at their own pace; this asks for about every six hours.
    calendar.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    stamp = timezone.now()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "partybuild"
    for assignment in feed_assignments(user):
        key_task = assignment.key_task
        done = assignment.is_completed
        event = Event()
        event.add("uid", f"assignment-{assignment.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", assignment.deadline)
        event.add("dtend", assignment.deadline + dt.timedelta(days=1))
        committee = key_task.plan.committee
        whose = "" if committee.pk == home_id else f"{committee.label} "
        title = f"【完成时限】{whose}{key_task.number} {key_task.title}（{assignment.unit.label}）"
        event.add("summary", f"✔ {title}" if done else title)
        url = settings.SITE_URL + reverse("assignment_detail", args=[assignment.pk])
        event.add("description", f"审核进度 {assignment.progress}%\n{url}")
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        event.add("status", "CONFIRMED")
        if not done:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"明天到期：{key_task.number} {key_task.title}")
            alarm.add("trigger", dt.timedelta(hours=-15))  # 09:00 the day before an all-day event
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
