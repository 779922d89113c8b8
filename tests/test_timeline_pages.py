"""A key task's timeline a page at a time: the newest events first, "older events" for the rest, none lost or
shown twice, a recent review of an old report in its place, and events of one instant never split."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import ProgressReport
from tasks.selectors.timeline import EVENT_PAGE, TimelineEvent, _page_of
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2023, 3, 1, 9, 0, tzinfo=dt.UTC)


def report_at(assignment, minutes: int, **fields):
    report = ReportFactory(assignment=assignment, author=assignment.owner, narrative=f"第{minutes}分钟的报告", **fields)
    ProgressReport.objects.filter(pk=report.pk).update(submitted_at=START + dt.timedelta(minutes=minutes))
    return report


def shown(html: str) -> list[str]:
    return re.findall(r"第(\d+)分钟的报告", html)


def test_older_events_come_a_page_at_a_time(client, committee, assignment_a1):
    for minutes in range(70):
        report_at(assignment_a1, minutes)
    # The oldest report, reviewed last: its review is the newest event of all.
    oldest = ProgressReport.objects.get(narrative="第0分钟的报告")
    ProgressReport.objects.filter(pk=oldest.pk).update(
        state=ProgressReport.State.APPROVED, reviewer=committee, reviewed_at=START + dt.timedelta(days=1)
    )
    client.force_login(committee)
    url = reverse("key_task_detail", args=[assignment_a1.key_task.pk])
    first = client.get(url).content.decode()
    assert first.count('<li id="') - 1 == EVENT_PAGE  # the events and the "older" item
    # The newest reports, and the review of the oldest (reviewed last) among them, not on the last page.
    assert shown(first) == [str(m) for m in range(69, 69 - len(shown(first)), -1)]
    assert "timeline-report_approved" in first
    older = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "更早的动态" in first

    seen = shown(first)
    while older:
        part = client.get(url + older, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in part  # the events only, swapped in place of the button
        seen += shown(part)
        match = re.search(r'hx-get="([^"]+)"', part)
        older = match.group(1).replace("&amp;", "&") if match else None
    assert seen == [str(m) for m in range(69, -1, -1)]  # every report once, newest first

    # Without JavaScript the link opens the page at the older events, saying so.
    page = client.get(url, {"before": (START + dt.timedelta(minutes=10)).isoformat()}).content.decode()
    assert shown(page) == [str(m) for m in range(10, -1, -1)]  # from that instant on
    assert "及以前的动态" in page and "更早的动态" not in page


def test_a_wrong_before_shows_the_newest(client, committee, assignment_a1):
    report_at(assignment_a1, 5)
    client.force_login(committee)
    url = reverse("key_task_detail", args=[assignment_a1.key_task.pk])
    for wrong in ("yesterday", "2023-03-01T09:00:00", "2023-13-01T00:00:00+08:00"):  # no offset: not a cursor
        page = client.get(url, {"before": wrong}).content.decode()
        assert shown(page) == ["5"] and "及以前的动态" not in page


def test_a_batch_of_one_instant_longer_than_a_page_is_shown_whole(client, committee, assignment_a1):
    """Seventy reports written at the very same instant (a batch): the pages go through it, each once."""
    for minutes in range(70):
        report_at(assignment_a1, 0 if 5 <= minutes < 70 else minutes)  # 65 at 09:00, five later... and earlier
    client.force_login(committee)
    url = reverse("key_task_detail", args=[assignment_a1.key_task.pk])
    html, seen = client.get(url).content.decode(), []
    while True:
        seen += shown(html)
        match = re.search(r'hx-get="([^"]+)"', html)
        if not match:
            break
        html = client.get(url + match.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).content.decode()
    assert sorted(seen, key=int) == sorted([str(m) for m in range(5)] + ["0"] * 65, key=int)
    assert len(seen) == 70


def test_the_page_of_a_timeline():
    def at(minute, pk=0):
        return TimelineEvent(
            when=timezone.make_aware(dt.datetime(2023, 3, 1, 9, minute)), kind="x", actor=None, title="", source_pk=pk
        )

    events = [at(50), at(40), at(30, 3), at(30, 2), at(30, 1), at(20)]
    page = _page_of(events, 3, None, 0)
    assert [e.when.minute for e in page.events] == [50, 40, 30]
    assert page.older == (at(30).when, 1)  # one of 09:30's three shown
    assert _page_of(events[3:], 2, at(30).when, 1).older == (at(30).when, 3)  # the next page: two more of them
    assert _page_of(events, 6, None, 0).older is None
    assert EVENT_PAGE == 30
