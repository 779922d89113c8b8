"""Bundles (DOMAIN.md, "People get bundles, not floods"): what one scan decides for one person on one channel
reaches them as one message, grouped by kind, most urgent first; leaders and reviewers get counts by unit;
immediate kinds go at once, alone. Delivered for real: Django's test mailbox, a real HTTP server for robots."""

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone

from tasks.demo import ROOT_UNIT, load_generate
from tasks.models import Bundle, InboxMessage, KeyTask, Membership, OrgUnit, Reminder, User
from tasks.services.reminders import (
    assignment_urge,
    bundle_deliver,
    reminder_notify,
    reminder_preferences_update,
    reminder_scan,
    reminder_sweep,
)
from tasks.services.reminders.bundles import ITEMS_SHOWN, load_items
from tasks.services.reminders.channels import WeComTransport
from tasks.services.reports import progress_report_return
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, PlanFactory, ReportFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = dt.date(2024, 6, 18)  # a working day; 10 June was the Dragon Boat holiday


def at_nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _work_reminders_only(db):
    """The branches here keep no roster and owe their meetings all the same, so organisational life's lines would
    join these bundles; they have their own tests (test_services_orglife_reminders.py). These are about the work."""
    from tasks.models import MeetingType

    MeetingType.objects.update(is_active=False)


@pytest.fixture
def plan_2024(org):
    return PlanFactory(year=2024, status="published")


@pytest.fixture
def make_assignment(plan_2024, org, committee):
    area = AreaFactory(plan=plan_2024, name="组织建设")

    def make(*, deadline, owner, unit=None, leader=committee, cadence=KeyTask.Cadence.QUARTERLY):
        key_task = KeyTaskFactory(
            plan=plan_2024,
            area=area,
            lead_unit=org.committee_unit,
            responsible_leader=leader,
            cadence=cadence,
            start_date=dt.date(2024, 1, 2),
            deadline=deadline,
        )
        return AssignmentFactory(key_task=key_task, unit=unit or org.branch_b, owner=owner)

    return make


def scan_and_deliver(day: dt.date):
    with time_machine.travel(at_nine(day), tick=False):
        result = reminder_scan(enqueue=False)
        bundle_deliver(bundle_ids=result.bundle_ids)
    return result


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def html_of(message) -> str:
    return message.alternatives[0][0]


@pytest.fixture
def busy_tuesday(make_assignment, secretary_b, committee, org):
    """secretary_b: two overdue assignments and one due tomorrow; committee (their responsible leader and the
    reviewer): both overdue ones escalated (10 working days and more) and one report waiting 4 working days."""
    late = make_assignment(deadline=dt.date(2024, 5, 31), owner=secretary_b)
    later = make_assignment(deadline=dt.date(2024, 6, 3), owner=secretary_b)
    soon = make_assignment(deadline=dt.date(2024, 6, 19), owner=secretary_b)
    ReportFactory(assignment=soon, author=secretary_b, submitted_at=dt.datetime(2024, 6, 12, 18, tzinfo=SHANGHAI))
    return late, later, soon


# --- One message per person per scan --------------------------------------------------------------------------


def test_a_scan_sends_each_person_one_email_grouped_by_kind_most_urgent_first(busy_tuesday, secretary_b, committee):
    late, later, soon = busy_tuesday

    result = scan_and_deliver(TUESDAY)

    [message] = emails_to(secretary_b)
    assert message.subject == "【党建任务通】2 项逾期、1 项临期"
    text, html = message.body, html_of(message)
    assert text.index("逾期") < text.index("临期")
    for assignment in (late, later, soon):
        assert f'href="http://127.0.0.1:8000/assignments/{assignment.pk}/"' in html
    # Oldest deadline first within a kind.
    assert html.index(f"/assignments/{late.pk}/") < html.index(f"/assignments/{later.pk}/")
    [summary] = emails_to(committee)
    assert summary.subject == "【党建任务通】2 项逾期上报、1 份进展反馈待审核、周报"
    assert len(mail.outbox) == Bundle.objects.filter(channel="email").count() == 2
    email_rows = [row for row in result.created if row.channel == "email"]
    assert set(Reminder.objects.filter(bundle__channel="email").values_list("pk", flat=True)) == {
        row.pk for row in email_rows
    }
    assert set(Reminder.objects.filter(channel="email").values_list("state", flat=True)) == {"sent"}


def test_leaders_and_reviewers_get_counts_by_unit_not_a_line_per_assignment(
    make_assignment, secretary_a, secretary_b, committee, org
):
    for _number in range(3):
        make_assignment(deadline=dt.date(2024, 5, 31), owner=secretary_b)
    make_assignment(deadline=dt.date(2024, 5, 31), owner=secretary_a, unit=org.branch_a1)
    for _number in range(30):
        assignment = make_assignment(deadline=dt.date(2024, 12, 31), owner=secretary_b)
        ReportFactory(
            assignment=assignment, author=secretary_b, submitted_at=dt.datetime(2024, 6, 3, 18, tzinfo=SHANGHAI)
        )

    scan_and_deliver(TUESDAY)

    [message] = emails_to(committee)
    assert message.subject.startswith("【党建任务通】4 项逾期上报、30 份进展反馈待审核")
    html = html_of(message).split(">周报</h2>")[0]  # the weekly digest, last, lists reports of its own
    # Escalations: 3 in branch B, 1 in branch A1, each count linking to that unit's red assignments of the leader.
    assert re.search(r"业务一科党支部</a></td><td align=\"right\">3<", html)
    assert re.search(r"办公室党支部</a></td><td align=\"right\">1<", html)
    assert f"unit={org.branch_b.pk}" in html
    # 30 reports to review: one count for the unit, with a link to that unit's review queue, no report listed.
    assert re.search(r"业务一科党支部</a></td><td align=\"right\">30<", html)
    assert f"/review/?unit={org.branch_b.pk}" in html
    assert "#report-" not in html


def test_a_long_list_is_cut_with_a_link_to_the_filtered_list(make_assignment, secretary_b, client, plan_2024):
    overdue = [make_assignment(deadline=dt.date(2024, 6, 14), owner=secretary_b) for _number in range(ITEMS_SHOWN + 5)]

    scan_and_deliver(TUESDAY)

    [message] = emails_to(secretary_b)
    html = html_of(message)
    assert html.count("/assignments/") >= ITEMS_SHOWN
    assert "另有 5 项：查看全部" in html
    link = re.search(r'href="http://127\.0\.0\.1:8000(/assignments/\?[^"]+)">另有 5 项', html).group(1)
    link = link.replace("&amp;", "&")
    assert "light=red" in link and f"owner={secretary_b.pk}" in link and "year=2024" in link
    client.force_login(secretary_b)
    with time_machine.travel(at_nine(TUESDAY), tick=False):
        page = client.get(link)
    assert page.status_code == 200
    listed = {int(pk) for pk in re.findall(r'href="/assignments/(\d+)/"', page.content.decode())}
    assert listed == {assignment.pk for assignment in overdue}


def test_due_soon_and_monthly_report_links_use_filters_that_exist(make_assignment, secretary_b, client):
    monthly = [
        make_assignment(deadline=dt.date(2024, 12, 31), owner=secretary_b, cadence=KeyTask.Cadence.MONTHLY)
        for _number in range(ITEMS_SHOWN + 1)
    ]
    make_assignment(deadline=dt.date(2024, 12, 31), owner=secretary_b)  # quarterly: not in the list

    scan_and_deliver(dt.date(2024, 6, 25))

    [message] = emails_to(secretary_b)
    assert message.subject == f"【党建任务通】{ITEMS_SHOWN + 1} 项待按月反馈"
    link = re.search(r'href="http://127\.0\.0\.1:8000(/assignments/\?[^"]+)">另有 1 项', html_of(message)).group(1)
    client.force_login(secretary_b)
    page = client.get(link.replace("&amp;", "&"))
    listed = {int(pk) for pk in re.findall(r'href="/assignments/(\d+)/"', page.content.decode())}
    assert listed == {assignment.pk for assignment in monthly}


# --- The inbox ------------------------------------------------------------------------------------------------


def test_the_inbox_gets_one_entry_per_scan_that_opens_to_its_items(busy_tuesday, secretary_b, client):
    late, later, soon = busy_tuesday

    scan_and_deliver(TUESDAY)

    [entry] = InboxMessage.objects.filter(user=secretary_b)
    assert entry.title == "今日提醒：2 项逾期、1 项临期"
    client.force_login(secretary_b)
    home = client.get("/inbox/")
    assert home.context["nav_unread_count"] == 1  # the bell counts entries, not reminders
    page = client.get(f"/inbox/{entry.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.index("逾期") < content.index("临期")
    for assignment in (late, later, soon):
        assert f'href="/assignments/{assignment.pk}/"' in content
    entry.refresh_from_db()
    assert entry.read_at is not None
    assert client.get("/inbox/").context["nav_unread_count"] == 0


def test_nobody_opens_someone_elses_bundle(busy_tuesday, secretary_b, secretary_a, client):
    scan_and_deliver(TUESDAY)
    entry = InboxMessage.objects.get(user=secretary_b)

    client.force_login(secretary_a)

    assert client.get(f"/inbox/{entry.pk}/").status_code == 404


# --- Robots -------------------------------------------------------------------------------------------------


@pytest.fixture
def wecom(org, httpserver):
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    org.branch_b.robot_kind, org.branch_b.robot_webhook_url = OrgUnit.Robot.WECOM, httpserver.url_for("/robot")
    org.branch_b.save()
    return httpserver


def test_a_unit_robot_gets_one_message_per_scan(busy_tuesday, wecom):
    scan_and_deliver(TUESDAY)

    [(request, _response)] = wecom.log
    content = request.get_json()["markdown"]["content"]
    assert content.startswith("### 今日提醒：2 项逾期、1 项临期\n")
    assert content.index("**逾期 (2)**") < content.index("**临期 (1)**")
    assert Bundle.objects.get(channel="wecom").state == "sent"


def test_a_long_robot_message_goes_in_numbered_parts_within_the_size_limit(make_assignment, secretary_b, wecom):
    for _number in range(60):
        make_assignment(deadline=dt.date(2024, 6, 14), owner=secretary_b)
    with time_machine.travel(at_nine(TUESDAY), tick=False):
        reminder_scan(enqueue=False)
    bundle = Bundle.objects.get(channel="wecom")
    items = load_items([bundle.pk])[bundle.pk]
    transport = WeComTransport()
    transport.max_bytes = 500  # a few lines a part: several parts

    parts = transport.parts(bundle, items)

    assert len(parts) >= 3
    assert all(len(part.encode()) <= 500 for part in parts)
    assert parts[0].startswith(f"### 今日提醒：60 项逾期 (1/{len(parts)})\n")
    assert parts[-1].startswith(f"### 今日提醒：60 项逾期 ({len(parts)}/{len(parts)})\n")
    # Every line lands in exactly one part.
    shown = [line for part in parts for line in part.splitlines()[1:]]
    assert len(shown) == len(set(shown)) == len(transport.lines(bundle, items))


def test_a_robot_retry_resumes_with_the_part_that_failed(make_assignment, secretary_b, org, httpserver, monkeypatch):
    for _number in range(40):
        make_assignment(deadline=dt.date(2024, 6, 14), owner=secretary_b)
    org.branch_b.robot_kind, org.branch_b.robot_webhook_url = OrgUnit.Robot.WECOM, httpserver.url_for("/robot")
    org.branch_b.save()
    monkeypatch.setattr(WeComTransport, "max_bytes", 500)
    httpserver.expect_ordered_request("/robot").respond_with_json({"errcode": 0})
    httpserver.expect_ordered_request("/robot").respond_with_data("busy", status=503)
    with time_machine.travel(at_nine(TUESDAY), tick=False):
        result = reminder_scan(enqueue=False)
        first = bundle_deliver(bundle_ids=result.bundle_ids)
    bundle = Bundle.objects.get(channel="wecom")
    assert (first.retry, bundle.state, bundle.parts_sent) == ([bundle.pk], "pending", 1)

    httpserver.clear_all_handlers()
    httpserver.expect_request("/robot").respond_with_json({"errcode": 0})
    bundle_deliver(bundle_ids=[bundle.pk])

    bundle.refresh_from_db()
    parts = [request.get_json()["markdown"]["content"].splitlines()[0] for request, _response in httpserver.log]
    total = bundle.parts_sent
    assert bundle.state == "sent" and total >= 3
    # Part 1 once, part 2 failed once then went, then the rest: nothing repeated that had gone through.
    assert [re.search(r"\((\d+)/", part).group(1) for part in parts] == ["1", "2"] + [
        str(number) for number in range(2, total + 1)
    ]


# --- Preferences, second scans, quiet mode ---------------------------------------------------------------------


def test_one_email_per_item_for_those_who_chose_it(busy_tuesday, secretary_b):
    reminder_preferences_update(user=secretary_b, notify_by_email=True, email_mode=User.EmailMode.EACH)

    scan_and_deliver(TUESDAY)

    subjects = [message.subject for message in emails_to(secretary_b)]
    assert len(subjects) == 3
    assert all(subject.startswith("[党建任务通]") for subject in subjects)
    titles = {assignment.key_task.title for assignment in busy_tuesday}
    assert {title for title in titles for subject in subjects if subject.endswith(title)} == titles
    assert InboxMessage.objects.filter(user=secretary_b).count() == 1  # the inbox still bundles


def test_a_second_scan_the_same_day_sends_no_second_bundle(busy_tuesday, make_assignment, secretary_b):
    scan_and_deliver(TUESDAY)
    extra = make_assignment(deadline=dt.date(2024, 6, 17), owner=secretary_b)  # overdue since yesterday

    second = scan_and_deliver(TUESDAY)

    assert len(emails_to(secretary_b)) == 1
    assert InboxMessage.objects.filter(user=secretary_b).count() == 1
    waiting = [row for row in second.created if row.assignment_id == extra.pk]
    assert waiting and all(row.bundle_id is None and row.state == "pending" for row in waiting)

    scan_and_deliver(dt.date(2024, 6, 19))  # the next working day's bundle carries them

    assert Reminder.objects.filter(pk__in=[row.pk for row in waiting], state="sent").count() == len(waiting)
    assert len(emails_to(secretary_b)) == 2


def test_quiet_mode_holds_a_returned_report_email_over_the_weekend_but_never_an_urge(
    assignment_b, secretary_b, committee, django_capture_on_commit_callbacks
):
    saturday = dt.datetime(2024, 6, 22, 15, 0, tzinfo=SHANGHAI)
    report = ReportFactory(assignment=assignment_b, author=secretary_b)
    with time_machine.travel(saturday, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            progress_report_return(report=report, reviewer=committee, reason="请补充会议记录")
            assignment_urge(assignment=assignment_b, urged_by=committee)
        returned = Bundle.objects.get(channel="email", items__kind="returned")
        urge = Bundle.objects.get(channel="email", items__kind="urge")
        assert InboxMessage.objects.filter(user=secretary_b, bundle__items__kind="returned").exists()
        assert returned.not_before == at_nine(dt.date(2024, 6, 24))
        assert urge.not_before is None
        assert bundle_deliver(bundle_ids=[returned.pk, urge.pk]).skipped == [returned.pk]
        assert reminder_sweep(enqueue=False).requeued == []

    with time_machine.travel(at_nine(dt.date(2024, 6, 24)), tick=False):
        assert reminder_sweep(enqueue=False).requeued == [returned.pk]
        assert bundle_deliver(bundle_ids=[returned.pk]).sent == [returned.pk]


def test_without_quiet_mode_a_returned_report_email_goes_at_once_on_a_day_off(assignment_b, secretary_b, committee):
    reminder_preferences_update(user=secretary_b, notify_by_email=True, quiet_days_off=False)
    report = ReportFactory(assignment=assignment_b, author=secretary_b)

    with time_machine.travel(dt.datetime(2024, 6, 22, 15, 0, tzinfo=SHANGHAI), tick=False):
        progress_report_return(report=report, reviewer=committee, reason="请补充")

    assert Bundle.objects.get(channel="email").not_before is None


# --- Immediate kinds ------------------------------------------------------------------------------------------


def test_an_immediate_kind_is_one_call_and_goes_alone(secretary_a, secretary_b, assignment_b):
    rows = reminder_notify(
        kind=Reminder.Kind.PLAN_PUBLISHED,
        period="plan7",
        subject="2024年度党建工作要点已发布",
        body="请查看本单位承办的任务。",
        url="/key-tasks/",
        user_ids=[secretary_a.pk, secretary_b.pk],
    )
    again = reminder_notify(
        kind=Reminder.Kind.PLAN_PUBLISHED, period="plan7", subject="x", user_ids=[secretary_a.pk, secretary_b.pk]
    )

    assert again == []
    assert {row.channel for row in rows} == {"inbox", "email"}
    bundles = Bundle.objects.filter(items__in=rows).distinct()
    assert bundles.count() == len(rows) and not any(bundle.daily for bundle in bundles)
    assert InboxMessage.objects.get(user=secretary_a).url == "/key-tasks/"


def test_a_scheduled_kind_cannot_skip_the_bundle(secretary_a):
    with pytest.raises(ValueError, match="not sent at once"):
        reminder_notify(kind=Reminder.Kind.OVERDUE, period="x", subject="x", user_ids=[secretary_a.pk])


# --- A crash between sending and marking --------------------------------------------------------------------------


def test_a_bundle_left_sending_by_a_dead_worker_is_sent_again_whole_once(busy_tuesday, secretary_b, monkeypatch):
    with time_machine.travel(at_nine(TUESDAY), tick=False):
        result = reminder_scan(enqueue=False)
    bundle = Bundle.objects.get(channel="email", recipient=secretary_b)
    from tasks.services.reminders import delivery

    def die_after_sending(bundle_id, state, **kwargs):
        raise SystemExit("worker killed between sending and marking")

    with monkeypatch.context() as patch:
        patch.setattr(delivery, "_mark", die_after_sending)
        with pytest.raises(SystemExit):
            bundle_deliver(bundle_ids=[bundle.pk])
    assert len(emails_to(secretary_b)) == 1
    assert set(bundle.items.values_list("state", flat=True)) == {"pending"}  # none marked: not split

    later = timezone.now() + dt.timedelta(hours=1)
    assert bundle.pk in reminder_sweep(now=later, enqueue=False).requeued
    bundle_deliver(bundle_ids=result.bundle_ids)

    first, second = emails_to(secretary_b)
    assert first.subject == second.subject and first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert set(bundle.items.values_list("state", flat=True)) == {"sent"}
    bundle_deliver(bundle_ids=result.bundle_ids)
    assert len(emails_to(secretary_b)) == 2  # the one repeat the crash window allows, and no more


# --- Generated data ----------------------------------------------------------------------------------------------


def test_on_generated_data_nobody_gets_two_scan_emails_and_the_bundles_hold_what_the_scan_decided(db):
    day = dt.date(2025, 11, 17)  # a Monday late in the year: every rung has something, the digest goes out
    load_generate(units=10, tasks=20, reports=3, year=day.year, as_of=day)
    User.objects.filter(username__startswith="load_").update(email=Concat("username", Value("@bench.example")))
    chair = UserFactory(username="chair", email="chair@bench.example")
    Membership.objects.create(user=chair, unit=OrgUnit.objects.get(name=ROOT_UNIT), role=Membership.Role.COMMITTEE)

    result = scan_and_deliver(day)
    again = scan_and_deliver(day)

    assert again.created == [] and len(result.created) > 50
    assert {row.kind for row in result.created} >= {"overdue", "escalation", "review_pending", "weekly_digest"}
    per_person = Counter(message.to[0] for message in mail.outbox)
    assert per_person and max(per_person.values()) == 1
    decided = Counter((row.recipient_id, row.recipient_unit_id, row.channel) for row in result.created)
    bundled = Counter()
    for bundle in Bundle.objects.all():
        bundled[(bundle.recipient_id, bundle.recipient_unit_id, bundle.channel)] += bundle.items.count()
        assert bundle.items.count() == bundle.item_count
    assert bundled == decided
    assert set(Reminder.objects.values_list("bundle_id", flat=True)) == set(Bundle.objects.values_list("pk", flat=True))
    assert Reminder.objects.exclude(state="sent").count() == 0
    assert InboxMessage.objects.count() == Bundle.objects.filter(channel="inbox").count()
