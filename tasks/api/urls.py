"""/api/v1/ (the API), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI, served from drf-spectacular-sidecar)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from tasks.api import orglife, views

app_name = "api"

router = DefaultRouter()
router.include_format_suffixes = False
router.register("plans", views.PlanViewSet, basename="plan")
router.register("areas", views.AreaViewSet, basename="area")
router.register("units", views.UnitViewSet, basename="unit")
router.register("key-tasks", views.KeyTaskViewSet, basename="key-task")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("reports", views.ReportViewSet, basename="report")
router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("meeting-types", orglife.MeetingTypeViewSet, basename="meeting-type")
router.register("party-members", orglife.PartyMemberViewSet, basename="party-member")
router.register("meetings", orglife.MeetingRecordViewSet, basename="meeting")


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's Content-Security-Policy as it is: its start script is a file of its own (the
    split view's `?script`), and the page's template has no inline style (tasks/static/tasks/api-docs.css)."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("v1/evidence/<int:pk>/download/", views.EvidenceDownloadView.as_view(), name="evidence-download"),
    re_path(r"^v1/.*$", views.not_found),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
]
