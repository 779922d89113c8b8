"""The timeline says what people did in their words: a review is one event, an edit shows labels, names and dates."""

import datetime as dt

import time_machine
from django.utils import translation

from tasks.selectors import assignment_timeline
from tasks.services.reports import progress_report_approve, progress_report_submit


@time_machine.travel(dt.datetime(2023, 3, 1, 10, tzinfo=dt.UTC), tick=False)
def test_an_approval_shows_the_progress_it_moved_without_record_ids(assignment_b, secretary_b, committee):
    first = progress_report_submit(assignment=assignment_b, author=secretary_b, percent=40, narrative="召开专题会")
    progress_report_approve(report=first, reviewer=committee)
    second = progress_report_submit(assignment=assignment_b, author=secretary_b, percent=60, narrative="完成学习")
    progress_report_approve(report=second, reviewer=committee)

    with translation.override("zh-hans"):
        events = assignment_timeline(committee, assignment_b)

    changes = [change for event in events for change in event.changes]
    assert ("已审核进度（%）", "40", "60") in changes
    assert [label for label, _old, _new in changes if "进展反馈" in label or "通过" in label] == []


def test_an_edit_shows_field_labels_and_names(assignment_b, secretary_a, committee):
    assignment_b.deadline = dt.date(2024, 1, 31)
    assignment_b.owner = secretary_a
    assignment_b.save()

    with translation.override("zh-hans"):
        (change,) = [event for event in assignment_timeline(committee, assignment_b) if event.title.startswith("修改")]

    assert ("完成时限", "2023-12-29", "2024-01-31") in change.changes
    assert ("责任人", "刘芳", "张伟") in change.changes
