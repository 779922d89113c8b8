from django.urls import path

from tasks.views import pages, reports

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz/", pages.healthz, name="healthz"),
    path("key-tasks/<int:pk>/", pages.key_task_detail, name="key_task_detail"),
    path("assignments/<int:pk>/", reports.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/report/", reports.report_create, name="report_create"),
    path("assignments/<int:pk>/extension/", reports.extension_create, name="extension_create"),
    path("review/", reports.review_queue, name="review_queue"),
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("extensions/<int:pk>/decide/", reports.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", reports.evidence_download, name="evidence_download"),
    path("key-tasks/<int:pk>/comments/", reports.comment_create, name="comment_create"),
]
