"""Reads (selectors), by topic. Every list starts from `tasks.access`, so one place decides who sees what.

`assignments`: rows, the workbench, progress; `dashboard`: the committee dashboard and the paged lists;
`filters`: the list filters kept in the URL; `timeline`: the history of a key task or an assignment;
`digest`: the committee's weekly digest; `urges`: urges so far and the one-a-working-day limit; `plans`: which
plan a page, an export or a command works on, and the committee's plan pages (figures per plan, who is told what
when a plan is published).
Callers import from here. A test that patches a name looked up by a view patches it here (the views call
`selectors.workbench`), one looked up inside a module patches that module.
"""

from tasks.selectors.assignments import (
    AssignmentRow,
    assignment_rows,
    assignments_for_lists,
    cascade_answers,
    key_task_progress,
    latest_report_ids,
    most_urgent_rows,
    returned_report_to_correct,
    workbench,
)
from tasks.selectors.dashboard import (
    Dashboard,
    LightCounts,
    MonthPoint,
    assignment_page,
    dashboard_get,
    light_counts_by_key_task,
    plan_assignments,
    sort_units,
)
from tasks.selectors.digest import Digest, weekly_digest
from tasks.selectors.filters import (
    ASSIGNMENT_ORDERINGS,
    KEY_TASK_ORDERINGS,
    AssignmentFilter,
    KeyTaskFilter,
    filter_choices,
    filtered_assignments,
    filtered_key_tasks,
    ordering_for,
)
from tasks.selectors.home import committee_home, extension_contacts, secretary_counts
from tasks.selectors.plans import (
    PublishSummary,
    committee_plans,
    current_plan,
    home_committee,
    plan_close_blockers,
    plan_of_year,
    plans_overview,
    plans_visible,
    publish_recipients,
)
from tasks.selectors.rollup import CommitteeRow, committee_rollup
from tasks.selectors.timeline import TimelineEvent, assignment_timeline, key_task_timeline
from tasks.selectors.urges import FollowUp, UrgeSummary, follow_ups, next_urge_day, urge_summaries, urge_summary

__all__ = [
    "ASSIGNMENT_ORDERINGS",
    "KEY_TASK_ORDERINGS",
    "AssignmentFilter",
    "AssignmentRow",
    "CommitteeRow",
    "Dashboard",
    "Digest",
    "FollowUp",
    "KeyTaskFilter",
    "LightCounts",
    "MonthPoint",
    "PublishSummary",
    "TimelineEvent",
    "UrgeSummary",
    "assignment_page",
    "assignment_rows",
    "assignment_timeline",
    "assignments_for_lists",
    "cascade_answers",
    "committee_home",
    "committee_plans",
    "committee_rollup",
    "current_plan",
    "dashboard_get",
    "extension_contacts",
    "filter_choices",
    "filtered_assignments",
    "filtered_key_tasks",
    "follow_ups",
    "home_committee",
    "key_task_progress",
    "key_task_timeline",
    "latest_report_ids",
    "light_counts_by_key_task",
    "most_urgent_rows",
    "next_urge_day",
    "ordering_for",
    "plan_assignments",
    "plan_close_blockers",
    "plan_of_year",
    "plans_overview",
    "plans_visible",
    "publish_recipients",
    "returned_report_to_correct",
    "secretary_counts",
    "sort_units",
    "urge_summaries",
    "urge_summary",
    "weekly_digest",
    "workbench",
]
