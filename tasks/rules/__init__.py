"""The domain's rules, each defined once: the warning light and the working-day calendar.

Pure functions and small value classes. They may import `tasks.models` (lazily, to read overrides and
settings) and Django's settings, never selectors, services or views.
"""

from tasks.rules.lights import Light, LightRules, assignment_light, compute_light, expected_progress, local_today
from tasks.rules.workdays import WorkCalendar

__all__ = [
    "Light",
    "LightRules",
    "WorkCalendar",
    "assignment_light",
    "compute_light",
    "expected_progress",
    "local_today",
]
