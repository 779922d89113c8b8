"""Filters of the key task and assignment lists. The state lives in the query string, so it can be shared.

Choices are limited to what the user may see; the querysets they filter already come from tasks.access,
so a forged id can only narrow a list, never widen it.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tasks import access, cache
from tasks.models import Area, Assignment, KeyTask, OrgUnit, User
from tasks.rules import Light, local_today
from tasks.selectors.assignments import light_urgency
from tasks.selectors.dashboard import plan_assignments
from tasks.services.lights import lights_current

ASSIGNMENT_ORDERINGS = {
    "light": ("urgency", "deadline", "id"),
    "deadline": ("deadline", "id"),
    "number": ("key_task__number_sort", "unit__sort_order", "unit__name"),
    "unit": ("unit__sort_order", "unit__name", "key_task__number_sort"),
    "progress": ("progress", "id"),
    "owner": ("owner__full_name", "id"),
}
KEY_TASK_ORDERINGS = {
    "number": ("number_sort",),
    "title": ("title", "number_sort"),
    "area": ("area__sort_order", "number_sort"),
    "deadline": ("deadline", "number_sort"),
    "leader": ("responsible_leader__full_name", "number_sort"),
}


def ordering_for(value: str, orderings: dict[str, tuple[str, ...]], default: str) -> tuple[str, list[str]]:
    """The ordering a `sort` parameter asks for ("deadline", "-deadline"), or the default."""
    name = (value or "").lstrip("-")
    if name not in orderings:
        value, name = default, default.lstrip("-")
    fields = list(orderings[name])
    if value.startswith("-"):
        fields = [field[1:] if field.startswith("-") else f"-{field}" for field in fields]
    return value, fields


def _people(user, plan):
    """Owners to choose from: members of the units the user may see."""
    return (
        User.objects.filter(memberships__unit__in=access.visible_units(user))
        .only("username", "full_name", "first_name", "last_name")  # all display_name needs
        .distinct()
        .order_by("full_name")
    )


class _PlanFilterSet(django_filters.FilterSet):
    """Filters shared by both lists; choices depend on the user and the plan."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    area = django_filters.ModelChoiceFilter(label=_("Area"), queryset=Area.objects.none(), method="filter_area")
    unit = django_filters.ModelChoiceFilter(label=_("Unit"), queryset=OrgUnit.objects.none(), method="filter_unit")
    light = django_filters.MultipleChoiceFilter(label=_("Light"), choices=Light.choices, method="filter_light")
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none(), method="filter_owner")
    leader = django_filters.ModelChoiceFilter(
        label=_("Responsible leader"), queryset=User.objects.none(), method="filter_leader"
    )
    deadline = django_filters.DateFromToRangeFilter(label=_("Deadline"), method="filter_deadline")

    def __init__(self, data=None, *args, user, plan, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user, self.plan = user, plan
        self.filters["area"].queryset = Area.objects.filter(plan=plan).order_by("sort_order", "id")
        self.filters["unit"].queryset = access.visible_units(user)
        self.filters["owner"].queryset = _people(user, plan)
        self.filters["leader"].queryset = User.objects.filter(
            pk__in=access.visible_key_tasks(user).filter(plan=plan).values("responsible_leader")
        ).order_by("full_name")

    def filter_deadline(self, queryset, name, value):
        """The deadline of what is listed (an assignment's, or a key task's) within the range."""
        if value.start:
            queryset = queryset.filter(deadline__gte=value.start)
        if value.stop:
            queryset = queryset.filter(deadline__lte=value.stop)
        return queryset


# The largest id a database column holds (a signed 64-bit integer, BigAutoField).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An id in the query string: a whole number that fits a database id, else a form error. (django-filter's
    NumberFilter takes any decimal; SQLite cannot bind one past 2**63 - 1, which made the page answer 500.)"""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AssignmentFilter(_PlanFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Assignment.Status.choices)
    key_task = IdFilter(label=_("Key task"), field_name="key_task_id")
    # The monthly reports a reminder bundle lists link here (tasks.services.reminders.bundles).
    cadence = django_filters.ChoiceFilter(
        label=_("Reporting cadence"), choices=KeyTask.Cadence.choices, field_name="key_task__cadence"
    )

    # The secretary's home counts link here: monthly-cadence assignments with no report yet this month.
    report = django_filters.ChoiceFilter(
        label=_("Monthly report"),
        choices=[("due_this_month", _("Not yet reported this month"))],
        method="filter_report",
    )

    class Meta:
        model = Assignment
        fields = []

    def filter_report(self, queryset, name, value):
        from tasks.selectors.home import awaiting_monthly_report

        return awaiting_monthly_report(queryset, today=local_today()) if value == "due_this_month" else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(key_task__title__icontains=value)
            | Q(key_task__number=value)
            | Q(unit__name__icontains=value)
            | Q(unit__short_name__icontains=value)
            | Q(owner__full_name__icontains=value)
        )

    def filter_area(self, queryset, name, value):
        return queryset.filter(key_task__area=value)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit=value)

    def filter_light(self, queryset, name, value):
        return queryset.filter(light__in=value)

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner=value)

    def filter_leader(self, queryset, name, value):
        return queryset.filter(key_task__responsible_leader=value)


class KeyTaskFilter(_PlanFilterSet):
    """A key task matches a unit, light or owner filter when one of its visible assignments does."""

    class Meta:
        model = KeyTask
        fields = []

    def _with_assignment(self, queryset, condition: Q):
        assignments = access.visible_assignments(self.user).filter(key_task=OuterRef("pk"))
        return queryset.filter(Exists(assignments.filter(condition)))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(number=value) | Q(description__icontains=value))

    def filter_area(self, queryset, name, value):
        return queryset.filter(area=value)

    def filter_unit(self, queryset, name, value):
        return self._with_assignment(queryset, Q(unit=value))

    def filter_light(self, queryset, name, value):
        return self._with_assignment(queryset, Q(light__in=value))

    def filter_owner(self, queryset, name, value):
        return self._with_assignment(queryset, Q(owner=value))

    def filter_leader(self, queryset, name, value):
        return queryset.filter(responsible_leader=value)


def filtered_assignments(data, *, user, plan, today, calendar) -> tuple[AssignmentFilter, QuerySet]:
    """The plan's assignments the user may see, with their light's `urgency` (to sort by), filtered as the query
    string `data` asks: the assignment list and the ledger export share it. An invalid filter (say, a unit the
    user may not choose) gives nothing rather than everything."""
    lights_current(today=today, calendar=calendar)
    queryset = plan_assignments(user, plan).annotate(urgency=light_urgency())
    filterset = AssignmentFilter(data or None, queryset=queryset, user=user, plan=plan)
    if filterset.is_bound:
        queryset = filterset.qs if filterset.is_valid() else queryset.none()
    return filterset, queryset


def filtered_key_tasks(data, *, user, plan) -> tuple[KeyTaskFilter, QuerySet]:
    """The plan's key tasks the user may see, filtered as the query string `data` asks (a light filter matches a
    key task when one of its visible assignments has that light). An invalid filter gives nothing."""
    lights_current()
    queryset = (
        access.visible_key_tasks(user).filter(plan=plan).select_related("area", "lead_unit", "responsible_leader")
    )
    filterset = KeyTaskFilter(data or None, queryset=queryset, user=user, plan=plan)
    if filterset.is_bound:
        queryset = filterset.qs if filterset.is_valid() else queryset.none()
    return filterset, queryset


# The model filters whose <option>s the list pages show: the fields each option is labelled from, and how.
CHOICE_LABELS = {
    "area": (("name",), str),
    "unit": (OrgUnit.LABEL_FIELDS, OrgUnit.label_of),
    "owner": (User.DISPLAY_FIELDS, User.display_name_of),
    "leader": (User.DISPLAY_FIELDS, User.display_name_of),
}


def filter_choices(filterset) -> dict[str, list[tuple[str, str, bool]]]:
    """(value, label, chosen) for each model filter's options, limited to what the user may see.

    At provincial scale a unit or owner filter offers 500 choices. They are read as values, not as 500 loaded
    accounts and units, and the labels (text, not HTML) are kept in the shared cache until the next write; the
    key is the choices' SQL, which holds what this user may see. A person's renamed account is not such a write
    (logins save accounts too often): the old name may show here for up to the cache's five minutes."""
    return {name: _choices(filterset, name, *labelled) for name, labelled in CHOICE_LABELS.items()}


def _choices(filterset, name: str, fields: tuple[str, ...], label) -> list[tuple[str, str, bool]]:
    queryset = filterset.filters[name].queryset
    options = cache.cached(
        ("filter-choices", cache.query_key(queryset), fields),
        lambda: [(str(pk), label(*values)) for pk, *values in queryset.values_list("pk", *fields)],
    )
    chosen = str(filterset.form[name].value() or "")
    return [(value, text, value == chosen) for value, text in options]
