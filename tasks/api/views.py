"""The API's views: prove the caller may see the object (tasks.access, the same 404 as the web), call a selector,
shape the answer. Lists use the web lists' filtersets and are paged by cursor."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks import access, services
from tasks.api import serializers
from tasks.api.filters import ExtensionFilter, ReportFilter, parameters_of
from tasks.api.pagination import NewestFirstPagination
from tasks.api.versions import if_match_version, with_etag
from tasks.cache import cached
from tasks.models import Area, Assignment, ExtensionRequest, ProgressReport
from tasks.rules import WorkCalendar, local_today
from tasks.rules.figures import weighted_mean
from tasks.selectors import (
    AssignmentFilter,
    KeyTaskFilter,
    assignments_for_lists,
    current_plan,
    dashboard_get,
    filtered_assignments,
    filtered_key_tasks,
    plan_of_year,
    returned_report_to_correct,
)
from tasks.services.evidence import DOCX, JPEG, PDF, PNG, XLSX, evidence_name, evidence_storage
from tasks.services.lights import lights_current

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the object as last read (`"v3"`). Missing: 428; another version: 412.',
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200, 201],
    description='The object\'s version (`"v3"`): send it back as If-Match to change it.',
)


YEAR = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    description="The plan's year (default: this year's plan, else the latest published one). "
    "A year without a plan visible to the caller answers 404.",
)


def _int_param(request, name: str, *, low: int, high: int) -> int | None:
    value = request.query_params.get(name, "")
    if value == "":
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise exceptions.ValidationError(
            {name: [_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]}
        )
    return int(value)


def plan_of(request):
    """The plan a list or the dashboard is about: `year`, or the web's default plan."""
    year = _int_param(request, "year", low=2000, high=9999)
    if year is None:
        return current_plan(request.user)
    plan = plan_of_year(request.user, year)
    if plan is None:
        raise exceptions.NotFound(_("No plan of %(year)d is visible to you.") % {"year": year})
    return plan


def invalid_filters(filterset) -> None:
    """A filter the web list would answer with an empty list is a 400 here, saying what is wrong."""
    if filterset is not None and filterset.is_bound and not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)


class VisibleObjectMixin:
    """`retrieve` answers the same 404 for "does not exist" and "not yours" (tasks.access), and audits the latter."""

    lookup_value_regex = "[0-9]{1,18}"

    def get_object(self):
        return access.get_visible_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class ReadOnlyViewSet(VisibleObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


@extend_schema_view(
    list=extend_schema(summary="Annual plans the caller may see (drafts: the committee only)"),
    retrieve=extend_schema(summary="One annual plan"),
)
class PlanViewSet(ReadOnlyViewSet):
    serializer_class = serializers.PlanSerializer

    def get_queryset(self):
        return access.visible_plans(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Areas (工作方面) of the visible plans",
        parameters=[OpenApiParameter("plan", OpenApiTypes.INT, description="only this plan's (id)")],
    ),
    retrieve=extend_schema(summary="One area"),
)
class AreaViewSet(ReadOnlyViewSet):
    serializer_class = serializers.AreaSerializer

    def get_queryset(self):
        areas = Area.objects.filter(plan__in=access.visible_plans(self.request.user))
        if self.action == "list":
            plan = _int_param(self.request, "plan", low=1, high=2**63 - 1)
            if plan is not None:
                areas = areas.filter(plan_id=plan)
        return areas


@extend_schema_view(
    list=extend_schema(summary="Units (组织) the caller may see: the committee all, a secretary theirs and below"),
    retrieve=extend_schema(summary="One unit"),
)
class UnitViewSet(ReadOnlyViewSet):
    serializer_class = serializers.UnitSerializer

    def get_queryset(self):
        return access.visible_units(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Key tasks (重点任务) of a plan, filtered as the web's key task list",
        parameters=[YEAR, *parameters_of(KeyTaskFilter)],
    ),
    retrieve=extend_schema(summary="One key task, with its weighted progress"),
)
class KeyTaskViewSet(ReadOnlyViewSet):
    serializer_class = serializers.KeyTaskSerializer

    def get_queryset(self):
        return (
            access.visible_key_tasks(self.request.user)
            .select_related("responsible_leader")
            .prefetch_related("cooperating_units")
        )

    def list(self, request, *args, **kwargs):
        plan = plan_of(request)
        if plan is None:
            queryset = self.get_queryset().none()
        else:
            filterset, queryset = filtered_key_tasks(request.query_params, user=request.user, plan=plan)
            invalid_filters(filterset)
            queryset = queryset.select_related("responsible_leader").prefetch_related("cooperating_units")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self._serialize(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._serialize([self.get_object()])[0])

    def _serialize(self, key_tasks):
        key_tasks = list(key_tasks)
        pairs: dict[int, list] = {key_task.pk: [] for key_task in key_tasks}
        rows = Assignment.objects.filter(key_task__in=pairs).values_list("key_task_id", "progress", "weight")
        for key_task_id, progress, weight in rows:
            pairs[key_task_id].append((progress, weight))
        progress = {key_task_id: weighted_mean(values) for key_task_id, values in pairs.items()}
        return self.get_serializer(
            key_tasks, many=True, context={**self.get_serializer_context(), "progress": progress}
        ).data


@extend_schema_view(
    list=extend_schema(
        summary="Assignments (承办任务) of a plan with light and progress, filtered as the web's assignment list",
        parameters=[YEAR, *parameters_of(AssignmentFilter)],
    ),
    retrieve=extend_schema(summary="One assignment, with its light and approved progress", parameters=[ETAG]),
)
class AssignmentViewSet(ReadOnlyViewSet):
    serializer_class = serializers.AssignmentSerializer

    def get_queryset(self):
        lights_current()
        return assignments_for_lists(self.request.user)

    def list(self, request, *args, **kwargs):
        plan = plan_of(request)
        if plan is None:
            queryset = Assignment.objects.none()
        else:
            filterset, queryset = filtered_assignments(
                request.query_params, user=request.user, plan=plan, today=local_today(), calendar=WorkCalendar.load()
            )
            invalid_filters(filterset)
            queryset = queryset.select_related("key_task", "unit", "owner")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        assignment = self.get_object()
        return with_etag(Response(self.get_serializer(assignment).data), assignment.version)

    @extend_schema(
        summary="Report progress (进展反馈) on the assignment, with evidence files",
        request={
            "multipart/form-data": serializers.ReportCreateSerializer,
            "application/json": serializers.ReportCreateSerializer,
        },
        parameters=[IF_MATCH, ETAG],
        responses={201: serializers.ReportSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="reports",
        parser_classes=[parsers.MultiPartParser, parsers.JSONParser],
    )
    def report(self, request, pk=None):
        assignment = self.get_object()
        version = if_match_version(request)
        data = _valid(serializers.ReportCreateSerializer, request.data)
        report = services.progress_report_submit(
            assignment=assignment,
            author=request.user,
            percent=data["percent"],
            actual_value=data.get("actual_value"),
            narrative=data["narrative"],
            obstacles=data.get("obstacles", ""),
            decrease_reason=data.get("decrease_reason", ""),
            files=data.get("evidence", []),
            corrects=returned_report_to_correct(assignment),
            keep_evidence=data.get("keep_evidence", False),
            expected_version=version,
        )
        return _report_response(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Ask for a later deadline (延期申请), before the current one passes",
        request=serializers.ExtensionCreateSerializer,
        parameters=[IF_MATCH],
        responses={201: serializers.ExtensionSerializer},
    )
    @action(detail=True, methods=["post"], url_path="extensions")
    def extension(self, request, pk=None):
        assignment = self.get_object()
        version = if_match_version(request)
        data = _valid(serializers.ExtensionCreateSerializer, request.data)
        extension = services.extension_request_create(
            assignment=assignment,
            requested_by=request.user,
            requested_deadline=data["requested_deadline"],
            reason=data["reason"],
            expected_version=version,
        )
        body = serializers.ExtensionSerializer(extension).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": _detail_url("extension", extension)})


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _detail_url(basename: str, obj) -> str:
    from django.urls import reverse

    return reverse(f"api:{basename}-detail", args=[obj.pk])


def _report_response(report, status_code=status.HTTP_200_OK):
    report = ProgressReport.objects.select_related("author", "reviewer").prefetch_related("evidence").get(pk=report.pk)
    response = Response(serializers.ReportSerializer(report).data, status=status_code)
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = _detail_url("report", report)
    return with_etag(response, report.version)


@extend_schema_view(
    list=extend_schema(summary="Progress reports (进展反馈), newest first", parameters=parameters_of(ReportFilter)),
    retrieve=extend_schema(summary="One progress report, with its evidence files", parameters=[ETAG]),
)
class ReportViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ReportSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return (
            access.visible_reports(self.request.user).select_related("author", "reviewer").prefetch_related("evidence")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = ReportFilter(self.request.query_params or None, queryset=queryset, user=self.request.user)
        invalid_filters(filterset)
        return filterset.qs if filterset.is_bound else queryset

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        return with_etag(Response(self.get_serializer(report).data), report.version)

    @extend_schema(
        summary="Approve the report (reviewers): its progress becomes the assignment's",
        request=serializers.ApproveSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: serializers.ReportSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        report = self.get_object()
        version = if_match_version(request)
        data = _valid(serializers.ApproveSerializer, request.data)
        report = services.progress_report_approve(
            report=report, reviewer=request.user, comment=data.get("comment", ""), expected_version=version
        )
        return _report_response(report)

    @extend_schema(
        summary="Return the report to its author (reviewers), saying why",
        request=serializers.ReturnSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: serializers.ReportSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        report = self.get_object()
        version = if_match_version(request)
        data = _valid(serializers.ReturnSerializer, request.data)
        report = services.progress_report_return(
            report=report, reviewer=request.user, reason=data["reason"], expected_version=version
        )
        return _report_response(report)


@extend_schema_view(
    list=extend_schema(
        summary="Extension requests (延期申请), newest first", parameters=parameters_of(ExtensionFilter)
    ),
    retrieve=extend_schema(summary="One extension request"),
)
class ExtensionViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ExtensionSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return ExtensionRequest.objects.filter(
            assignment__in=access.visible_assignments(self.request.user)
        ).select_related("requested_by", "decided_by")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = ExtensionFilter(self.request.query_params or None, queryset=queryset)
        invalid_filters(filterset)
        return filterset.qs if filterset.is_bound else queryset

    @extend_schema(
        summary="Approve or refuse the extension request (committee); only an approval moves the deadline",
        request=serializers.ExtensionDecideSerializer,
        responses={200: serializers.ExtensionSerializer},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        extension = self.get_object()
        data = _valid(serializers.ExtensionDecideSerializer, request.data)
        extension = services.extension_request_decide(
            extension=extension, decided_by=request.user, approve=data["approve"], comment=data.get("comment", "")
        )
        extension = self.get_queryset().get(pk=extension.pk)
        return Response(self.get_serializer(extension).data)


class DashboardView(APIView):
    @extend_schema(
        summary="The dashboard's figures (工作看板): counts by light, rates, areas, units, months",
        parameters=[YEAR],
        responses=serializers.DashboardSerializer,
    )
    def get(self, request):
        user = request.user
        plan = plan_of(request)
        if plan is None:
            raise exceptions.NotFound(_("No plan is visible to you."))
        scope = access.scope_for(user)
        # The web dashboard's cache entry: one computation serves both (tasks.cache drops it on every write).
        data = cached(
            ("dashboard", plan.pk, scope.cache_key, local_today()),
            lambda: dashboard_get(user=user, plan=plan),
        )
        # Ranks are the ranking committee's (access.can_run_plan), as on the web dashboard.
        ranked = access.can_run_plan(user, plan)
        return Response(serializers.DashboardSerializer(data, context={"ranked": ranked}).data)


class EvidenceDownloadView(APIView):
    @extend_schema(
        summary="An evidence file (佐证材料), for whoever may see its report",
        responses={
            (200, kind.content_type): OpenApiResponse(OpenApiTypes.BINARY) for kind in (PDF, JPEG, PNG, DOCX, XLSX)
        },
    )
    def get(self, request, pk):
        evidence = access.get_visible_or_404(access.visible_evidence(request.user), pk=pk)
        storage, name = evidence_storage(), evidence_name(evidence)
        if not storage.exists(name):
            raise Http404
        response = FileResponse(
            storage.open(name, "rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound(_("There is no such address in the API."))
