"""Difficulties (困难和需协调事项): any report may raise one, the committee answers it (已协调 / 已解决), the
author and owner hear at once, the dashboard lists only what is still open."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tasks.models import AuditEntry, DifficultyAnswer, InboxMessage, ProgressReport, Reminder
from tasks.selectors.dashboard import dashboard_get
from tasks.services import difficulty_answer, progress_report_approve, progress_report_return, progress_report_submit

pytestmark = pytest.mark.django_db

COORDINATED, RESOLVED = ProgressReport.Difficulty.COORDINATED, ProgressReport.Difficulty.RESOLVED


@pytest.fixture(autouse=True)
def _early_in_the_year():
    # 10 February 2023: assignment_a1 (deadline 29 December) is green, so no difficulty is required.
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def raised(assignment_a1, secretary_a):
    return progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=20,
        narrative="已制定方案",
        obstacles="缺少场地，请协调会议室",
    )


def test_a_green_assignment_may_raise_a_difficulty_and_it_starts_open(raised, assignment_a1):
    assert raised.obstacles == "缺少场地，请协调会议室"
    assert raised.difficulty_state == "" and raised.difficulty_open and raised.difficulty_answerable


def test_committee_coordinates_then_resolves_and_the_author_hears_each_time(raised, committee, secretary_a):
    first = difficulty_answer(report=raised, answered_by=committee, state=COORDINATED, body="已协调办公室提供会议室")
    raised.refresh_from_db()
    assert raised.difficulty_state == COORDINATED and not raised.difficulty_open and raised.difficulty_answerable
    second = difficulty_answer(report=raised, answered_by=committee, state=RESOLVED, body="会议室已落实")
    raised.refresh_from_db()
    assert raised.difficulty_state == RESOLVED and not raised.difficulty_answerable
    assert list(raised.difficulty_answers.values_list("state", "body")) == [
        (COORDINATED, "已协调办公室提供会议室"),
        (RESOLVED, "会议室已落实"),
    ]
    # The author (also the owner: one message, not two) hears once per answer, in the inbox at once.
    inbox = list(InboxMessage.objects.filter(user=secretary_a).order_by("id"))
    assert [message.title for message in inbox] == [
        "困难已协调：1.2 全面贯彻“第一议题”制度",
        "困难已解决：1.2 全面贯彻“第一议题”制度",
    ]
    assert "已协调办公室提供会议室" in inbox[0].body and "王建国" in inbox[0].body
    assert inbox[0].url == reverse("assignment_detail", args=[raised.assignment_id]) + f"#report-{raised.pk}"
    kinds = set(Reminder.objects.filter(recipient=secretary_a).values_list("kind", flat=True))
    assert kinds == {Reminder.Kind.DIFFICULTY_ANSWERED}
    # Audited with old -> new, and the report's history holds the state's changes.
    rows = AuditEntry.objects.filter(action=AuditEntry.Action.REVIEW, object_id=str(raised.pk)).order_by("id")
    assert [row.detail["changes"]["difficulty_state"] for row in rows] == [["", COORDINATED], [COORDINATED, RESOLVED]]
    assert [h.difficulty_state for h in raised.history.order_by("history_id")][-2:] == [COORDINATED, RESOLVED]
    assert (first.answered_by, second.answered_by) == (committee, committee)


def test_the_owner_hears_too_when_someone_else_raised_it(assignment_b, secretary_b, committee, org):
    from tests.factories import MembershipFactory, UserFactory

    worker = UserFactory(username="worker_b", full_name="李强")
    MembershipFactory(user=worker, unit=org.branch_b, role="worker")
    report = progress_report_submit(
        assignment=assignment_b, author=worker, percent=10, narrative="起步", obstacles="经费未到位"
    )
    difficulty_answer(report=report, answered_by=committee, state=COORDINATED, body="已请财务科拨付")
    assert set(InboxMessage.objects.values_list("user__username", flat=True)) == {"worker_b", "secretary_b"}


def test_answers_are_refused_with_clear_messages_and_nothing_written(raised, committee, secretary_a, assignment_a1):
    with pytest.raises(PermissionDenied):
        difficulty_answer(report=raised, answered_by=secretary_a, state=COORDINATED, body="自己答复")
    with pytest.raises(ValidationError) as error:
        difficulty_answer(report=raised, answered_by=committee, state="done", body=" ")
    assert error.value.message_dict == {
        "state": ["请选择“已协调”或“已解决”。"],
        "body": ["请说明对该困难做了哪些协调或解决工作。"],
    }
    difficulty_answer(report=raised, answered_by=committee, state=RESOLVED, body="已解决")
    with pytest.raises(ValidationError, match="该困难已解决"):
        difficulty_answer(report=raised, answered_by=committee, state=COORDINATED, body="再协调")
    progress_report_approve(report=raised, reviewer=committee)
    plain = progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="推进")
    with pytest.raises(ValidationError, match="未反映困难"):
        difficulty_answer(report=plain, answered_by=committee, state=COORDINATED, body="无")
    assert DifficultyAnswer.objects.count() == 1
    assert InboxMessage.objects.count() == 1


def test_a_returned_report_is_answered_on_its_correction(raised, committee):
    progress_report_return(report=raised, reviewer=committee, reason="请补充会议记录")
    raised.refresh_from_db()
    assert not raised.difficulty_open
    with pytest.raises(ValidationError, match="更正后的反馈"):
        difficulty_answer(report=raised, answered_by=committee, state=COORDINATED, body="已协调")


def test_the_dashboard_lists_open_difficulties_only(raised, committee, assignment_b, secretary_b):
    other = progress_report_submit(
        assignment=assignment_b, author=secretary_b, percent=10, narrative="起步", obstacles="师资不足"
    )
    listed = dashboard_get(user=committee, plan=raised.assignment.key_task.plan).obstacles
    assert {report.pk for report in listed} == {raised.pk, other.pk}  # green assignments too
    difficulty_answer(report=raised, answered_by=committee, state=COORDINATED, body="已协调")
    listed = dashboard_get(user=committee, plan=raised.assignment.key_task.plan).obstacles
    assert [report.pk for report in listed] == [other.pk]
    # A secretary's dashboard shows the open difficulties of their own units only.
    assert dashboard_get(user=secretary_b, plan=other.assignment.key_task.plan).obstacles == listed


def test_a_closed_plan_takes_no_answer(raised, committee):
    from tasks.models import AnnualPlan

    AnnualPlan.objects.filter(pk=raised.assignment.key_task.plan_id).update(status=AnnualPlan.Status.CLOSED)
    with pytest.raises(ValidationError, match="已关闭"):
        difficulty_answer(report=raised, answered_by=committee, state=COORDINATED, body="已协调")
    assert not DifficultyAnswer.objects.exists()


def test_the_dashboard_looks_further_back_when_the_newest_difficulties_are_all_of_one_assignment(
    monkeypatch, assignment_a1, assignment_b, secretary_a, secretary_b, committee
):
    """The newest reports are read a few at a time first: when those name too few assignments, a few hundred."""
    from tasks.selectors import dashboard
    from tests.factories import ReportFactory

    monkeypatch.setattr(dashboard, "OBSTACLES_SIZE", 2)  # a first read of 6
    older = ReportFactory(
        assignment=assignment_b,
        author=secretary_b,
        obstacles="师资不足",
        submitted_at=dt.datetime(2023, 2, 1, tzinfo=dt.UTC),
    )
    newest = [
        ReportFactory(
            assignment=assignment_a1,
            author=secretary_a,
            obstacles=f"第{n}次：缺少场地",
            submitted_at=dt.datetime(2023, 2, 2, n, tzinfo=dt.UTC),
        )
        for n in range(7)
    ]
    listed = dashboard_get(user=committee, plan=assignment_a1.key_task.plan).obstacles
    assert [report.pk for report in listed] == [newest[-1].pk, older.pk]
