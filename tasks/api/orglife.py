"""Organisational life (组织生活) in the API: meeting types, the branches' rosters (read only) and meeting records.

What a caller sees is what the web's pages show them (tasks.access.orglife_units: the branch, the units above it
and the committee); another branch's record or member is the same 404 as an id that does not exist. A record is
written by the service the web form uses (tasks.services.orglife), which also checks who may keep the branch's
records (a committee member reads them, the branch's secretary or party-affairs worker writes them: 403 otherwise).
"""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from tasks import access
from tasks.api import serializers
from tasks.api.filters import YearFilter
from tasks.api.pagination import NewestFirstPagination
from tasks.api.versions import if_match_version, with_etag
from tasks.api.views import ETAG, IF_MATCH, ReadOnlyViewSet, invalid_filters
from tasks.models import MeetingRecord, MeetingType, OrgUnit, PartyMember
from tasks.services import orglife as services
from tasks.services.orglife.meetings import AttendanceLine


class MeetingFilter(django_filters.FilterSet):
    unit = django_filters.ModelChoiceFilter(label=_("Branch"), queryset=OrgUnit.objects.none())
    year = YearFilter(label=_("Year"), field_name="held_on__year")
    type = django_filters.ModelChoiceFilter(
        label=_("Meeting type"), queryset=MeetingType.objects.all(), to_field_name="code", field_name="types"
    )

    class Meta:
        model = MeetingRecord
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["unit"].queryset = access.orglife_units(user)


class PartyMemberFilter(django_filters.FilterSet):
    unit = django_filters.ModelChoiceFilter(label=_("Branch"), queryset=OrgUnit.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PartyMember.Status.choices)

    class Meta:
        model = PartyMember
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["unit"].queryset = access.orglife_units(user)


UNIT = OpenApiParameter("unit", OpenApiTypes.INT, description="only this branch's (a unit's id)")
MEETING_PARAMETERS = [
    UNIT,
    OpenApiParameter("year", OpenApiTypes.INT, description="only meetings held in this year"),
    OpenApiParameter("type", OpenApiTypes.STR, description="only meetings of this type (its code, meeting-types/)"),
]
MEMBER_PARAMETERS = [
    UNIT,
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=PartyMember.Status.values, description="active: on the roll (在册)"
    ),
]


class FilteredListMixin:
    """A list filtered by a filterset that knows the caller; a filter the web would not offer is a 400."""

    filterset_class: type

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = self.filterset_class(self.request.query_params or None, queryset=queryset, user=self.request.user)
        invalid_filters(filterset)
        return filterset.qs if filterset.is_bound else queryset


@extend_schema_view(
    list=extend_schema(summary="Meeting types (三会一课, 主题党日, 组织生活会) and their cadence"),
    retrieve=extend_schema(summary="One meeting type"),
)
class MeetingTypeViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MeetingTypeSerializer
    queryset = MeetingType.objects.all()


@extend_schema_view(
    list=extend_schema(
        summary="The roster (党员名册) of the branches the caller may see, read only", parameters=MEMBER_PARAMETERS
    ),
    retrieve=extend_schema(summary="One party member"),
)
class PartyMemberViewSet(FilteredListMixin, ReadOnlyViewSet):
    serializer_class = serializers.PartyMemberSerializer
    filterset_class = PartyMemberFilter

    def get_queryset(self):
        return access.visible_party_members(self.request.user).select_related("unit", "party_group")


def _lines(data) -> list[AttendanceLine]:
    return [AttendanceLine(line["member"], line["status"], line.get("reason", "")) for line in data["attendance"]]


def _values(request, data) -> dict:
    return {
        "user": request.user,
        "types": data["types"],
        "held_on": data["held_on"],
        "place": data["place"],
        "host": data["host"],
        "recorder": data["recorder"],
        "topics": data["topics"],
        "minutes": data.get("minutes", ""),
        "lecturer": data.get("lecturer", ""),
        "lecture_title": data.get("lecture_title", ""),
        "party_group": data.get("party_group"),
        "attendance": _lines(data),
    }


@extend_schema_view(
    list=extend_schema(
        summary="Meeting records (组织生活记录), newest first, with their types and attendance counts",
        parameters=MEETING_PARAMETERS,
    ),
    retrieve=extend_schema(summary="One meeting record, with attendance by member", parameters=[ETAG]),
)
class MeetingRecordViewSet(FilteredListMixin, ReadOnlyViewSet):
    filterset_class = MeetingFilter
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        records = access.visible_meetings(self.request.user).select_related("unit", "party_group")
        if self.action == "list":
            return records.prefetch_related("types")
        return records.prefetch_related("types", "attendance__member", "files")

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.MeetingRecordSerializer
        return serializers.MeetingRecordDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        return with_etag(Response(self.get_serializer(record).data), record.version)

    @extend_schema(
        summary="Record a meeting the branch held, with attendance (the branch's secretary or party-affairs worker)",
        request=serializers.MeetingRecordCreateSerializer,
        parameters=[ETAG],
        responses={201: serializers.MeetingRecordDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = _valid_for(serializers.MeetingRecordCreateSerializer, request)
        record = services.meeting_record_create(unit=data["unit"], **_values(request, data))
        return self._answer(record, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a meeting record (更正): every field and the whole attendance list, with its ETag",
        request=serializers.MeetingRecordWriteSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: serializers.MeetingRecordDetailSerializer},
    )
    def update(self, request, *args, **kwargs):
        record = self.get_object()
        version = if_match_version(request)
        data = _valid_for(serializers.MeetingRecordWriteSerializer, request)
        record = services.meeting_record_update(record=record, expected_version=version, **_values(request, data))
        return self._answer(record, status.HTTP_200_OK)

    def _answer(self, record, status_code):
        record = self.get_queryset().get(pk=record.pk)
        response = Response(serializers.MeetingRecordDetailSerializer(record).data, status=status_code)
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = reverse("api:meeting-detail", args=[record.pk])
        return with_etag(response, record.version)


def _valid_for(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data, context={"user": request.user})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
