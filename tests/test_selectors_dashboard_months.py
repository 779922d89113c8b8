"""The dashboard's month chart: assignments due and completed each month, and cumulatively against all of them."""

import datetime as dt

from tasks.models import Assignment
from tasks.rules import percent
from tasks.selectors import dashboard_get
from tests.support_exports import TODAY, build_year


def test_each_month_counts_what_fell_due_and_what_was_completed_in_it(org, committee, secretary_a, secretary_b):
    year = build_year(org, committee, secretary_a, secretary_b)
    # One more, completed in another month than it was due, and one extended into the next year.
    first = next(iter(year.b.values()))
    Assignment.objects.filter(pk=first.pk).update(deadline=dt.date(2023, 3, 31), completed_at=dt.date(2023, 5, 2))
    last = next(iter(year.a1.values()))
    Assignment.objects.filter(pk=last.pk).update(deadline=dt.date(2024, 1, 10))

    months = dashboard_get(user=committee, plan=year.plan, today=TODAY).months

    rows = list(Assignment.objects.filter(key_task__plan=year.plan).values_list("deadline", "completed_at"))
    total = len(rows)
    assert [point.month for point in months] == [dt.date(2023, month, 1) for month in range(1, 13)]
    for point in months:
        in_month = (point.month.year, point.month.month)
        assert point.due == sum(1 for deadline, _ in rows if (deadline.year, deadline.month) == in_month)
        assert point.completed == sum(1 for _, done in rows if done and (done.year, done.month) == in_month)
        assert point.expected_rate == percent(sum(1 for deadline, _ in rows if deadline <= point.last_day), total)
        completed_by = sum(1 for _, done in rows if done and done <= point.last_day)
        assert point.actual_rate == (percent(completed_by, total) if point.month <= TODAY else None)
    assert sum(point.due for point in months) == total - 1  # the one due in 2024 is in no month of 2023
