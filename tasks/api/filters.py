"""Query parameters of the API's lists: the web lists' filtersets (tasks.selectors.filters) for assignments and
key tasks, and two small ones for reports and extensions. `parameters_of` documents a filterset in the schema."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from tasks import access
from tasks.models import ExtensionRequest, OrgUnit, ProgressReport
from tasks.selectors.filters import IdFilter


class YearFilter(django_filters.NumberFilter):
    """A plan's year: a whole number a year can be (a bigger one is a form error, never a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=2000, max_value=9999, **kwargs)


class ReportFilter(django_filters.FilterSet):
    assignment = IdFilter(label=_("Assignment"), field_name="assignment_id")
    state = django_filters.ChoiceFilter(label=_("State"), choices=ProgressReport.State.choices)
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=OrgUnit.objects.none(), field_name="assignment__unit"
    )
    year = YearFilter(label=_("Year"), field_name="assignment__key_task__plan__year")
    submitted = django_filters.DateFromToRangeFilter(label=_("Submitted"), method="filter_submitted")

    class Meta:
        model = ProgressReport
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["unit"].queryset = access.visible_units(user)

    def filter_submitted(self, queryset, name, value):
        if value.start:
            queryset = queryset.filter(submitted_at__date__gte=value.start)
        if value.stop:
            queryset = queryset.filter(submitted_at__date__lte=value.stop)
        return queryset


class ExtensionFilter(django_filters.FilterSet):
    assignment = IdFilter(label=_("Assignment"), field_name="assignment_id")
    state = django_filters.ChoiceFilter(label=_("State"), choices=ExtensionRequest.State.choices)
    year = YearFilter(label=_("Year"), field_name="assignment__key_task__plan__year")

    class Meta:
        model = ExtensionRequest
        fields = []


def parameters_of(filterset_class, *, descriptions: dict[str, str] | None = None) -> list[OpenApiParameter]:
    """The query parameters a filterset reads, typed for the schema."""
    descriptions = descriptions or {}
    parameters = []
    for name, declared in filterset_class.base_filters.items():
        description = descriptions.get(name, str(declared.label or name))
        if isinstance(declared, django_filters.DateFromToRangeFilter):
            for suffix, words in (("after", "on or after"), ("before", "on or before")):
                parameters.append(
                    OpenApiParameter(f"{name}_{suffix}", OpenApiTypes.DATE, description=f"{description}: {words}")
                )
            continue
        if isinstance(declared, django_filters.ModelChoiceFilter | IdFilter):
            parameters.append(OpenApiParameter(name, OpenApiTypes.INT, description=f"{description} (id)"))
        elif isinstance(declared, django_filters.MultipleChoiceFilter):
            parameters.append(
                OpenApiParameter(
                    name,
                    OpenApiTypes.STR,
                    many=True,
                    explode=True,
                    enum=[value for value, _label in declared.extra["choices"]],
                    description=f"{description} (repeat for several)",
                )
            )
        elif isinstance(declared, django_filters.ChoiceFilter):
            parameters.append(
                OpenApiParameter(
                    name,
                    OpenApiTypes.STR,
                    enum=[value for value, _label in declared.extra["choices"]],
                    description=description,
                )
            )
        elif isinstance(declared, django_filters.NumberFilter):
            parameters.append(OpenApiParameter(name, OpenApiTypes.INT, description=description))
        else:
            parameters.append(OpenApiParameter(name, OpenApiTypes.STR, description=description))
    return parameters
