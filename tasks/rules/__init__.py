"""The domain's rules, each defined once: the warning light, the working-day calendar and the figures
(rates, weighted progress, ranks).

Pure functions and small value classes. They may import `tasks.models` (lazily, to read overrides and
settings) and Django's settings, never selectors, services or views.
"""

from tasks.rules.figures import (
    ONE_DECIMAL,
    assign_ranks,
    completion_rate,
    on_time_rate,
    percent,
    weighted_mean,
    weighted_mean_of_sums,
)
from tasks.rules.lights import Light, LightRules, assignment_light, compute_light, expected_progress, local_today
from tasks.rules.workdays import WorkCalendar

__all__ = [
    "ONE_DECIMAL",
    "Light",
    "LightRules",
    "WorkCalendar",
    "assign_ranks",
    "assignment_light",
    "completion_rate",
    "compute_light",
    "expected_progress",
    "local_today",
    "on_time_rate",
    "percent",
    "weighted_mean",
    "weighted_mean_of_sums",
]
