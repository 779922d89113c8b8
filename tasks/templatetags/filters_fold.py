"""How many filters a list's query string sets: the phone's folded filter button says so."""

from django import template

register = template.Library()

# Which plan (`committee`: drilled into from above) and how it is paged are not filters.
NOT_FILTERS = {"year", "committee", "sort", "page", "per_page"}


@register.simple_tag
def active_filter_count(query) -> int:
    return sum(1 for key, values in query.lists() if key not in NOT_FILTERS and any(v.strip() for v in values))
