"""Real concurrency on PostgreSQL: row locks and version checks keep reports and assignments consistent."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from tasks.models import Assignment, Membership, ProgressReport
from tasks.services import progress_report_approve, progress_report_submit
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


def run_together(*callables):
    """Start the callables at the same moment in threads; return each one's result or exception."""
    barrier = threading.Barrier(len(callables))
    results = [None] * len(callables)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_reviewers_approving_at_once_approve_once(assignment_a1, secretary_a, committee, org):
    second_reviewer = UserFactory(username="reviewer2")
    MembershipFactory(user=second_reviewer, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    report = progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=40, narrative="推进中")
    results = run_together(
        lambda: progress_report_approve(report=report, reviewer=committee),
        lambda: progress_report_approve(report=report, reviewer=second_reviewer),
    )
    successes = [r for r in results if isinstance(r, ProgressReport)]
    failures = [r for r in results if isinstance(r, ValidationError)]
    assert len(successes) == 1 and len(failures) == 1, results
    assignment_a1.refresh_from_db()
    assert assignment_a1.progress == 40
    assert ProgressReport.objects.get().state == ProgressReport.State.APPROVED


def test_two_people_submitting_the_same_loaded_form_save_once(assignment_a1, secretary_a, org):
    worker = UserFactory(username="worker_a")
    MembershipFactory(user=worker, unit=org.branch_a1, role=Membership.Role.WORKER)
    version = assignment_a1.version
    results = run_together(
        lambda: progress_report_submit(
            assignment=assignment_a1, author=secretary_a, percent=30, narrative="书记填报", expected_version=version
        ),
        lambda: progress_report_submit(
            assignment=assignment_a1, author=worker, percent=35, narrative="党务工作者填报", expected_version=version
        ),
    )
    assert sum(isinstance(r, ProgressReport) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert ProgressReport.objects.count() == 1


def test_review_racing_a_new_submission_ends_consistent(assignment_a1, secretary_a, committee):
    first = progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=50, narrative="第一次")
    results = run_together(
        lambda: progress_report_approve(report=first, reviewer=committee),
        lambda: progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=70, narrative="第二次"),
    )
    assert isinstance(results[0], ProgressReport), results
    assignment = Assignment.objects.get(pk=assignment_a1.pk)
    assert assignment.progress == 50
    assert assignment.last_approved_report_id == first.pk
    waiting = ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED).count()
    # Either the submission waited for the approval and then went in, or it saw the pending report and was refused.
    assert (waiting, isinstance(results[1], ValidationError)) in {(1, False), (0, True)}
