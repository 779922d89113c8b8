"""The timeline says what people did in their words: a review is one event, an edit shows labels, names and dates."""

import datetime as dt

import time_machine
from django.utils import translation

from tasks.selectors import assignment_timeline
from tasks.services.reports import progress_report_approve, progress_report_submit


@time_machine.travel(dt.datetime(2023, 3, 1, 10, tzinfo=dt.UTC), tick=False)
def test_an_approval_is_one_event_without_record_ids(assignment_b, secretary_b, committee):
    first = progress_report_submit(assignment=assignment_b, author=secretary_b, percent=40, narrative="召开专题会")
    progress_report_approve(report=first, reviewer=committee)
    second = progress_report_submit(assignment=assignment_b, author=secretary_b, percent=60, narrative="完成学习")
    progress_report_approve(report=second, reviewer=committee)

    with translation.override("zh-hans"):
        events = assignment_timeline(committee, assignment_b)

    # The assignment's creation, two reports and two reviews: the reviews' writes on the assignment are no event.
    assert sorted(event.kind for event in events) == [
        "change",
        "report_approved",
        "report_approved",
        "report_submitted",
        "report_submitted",
    ]
    assert [event.title for event in events if event.kind == "change"] == ["创建了承办任务"]
    shown = " ".join(f"{label} {old} {new}" for event in events for label, old, new in event.changes)
    assert str(first.pk) not in shown and "最近通过的进展反馈" not in shown


def test_an_edit_shows_field_labels_and_names(assignment_b, secretary_a, committee):
    assignment_b.deadline = dt.date(2024, 1, 31)
    assignment_b.owner = secretary_a
    assignment_b.save()

    with translation.override("zh-hans"):
        (change,) = [event for event in assignment_timeline(committee, assignment_b) if event.title.startswith("修改")]

    assert ("完成时限", "2023-12-29", "2024-01-31") in change.changes
    assert ("责任人", "刘芳", "张伟") in change.changes
