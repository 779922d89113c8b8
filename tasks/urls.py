from django.urls import path

from tasks.views import dashboard, exports, inbox, lists, pages, reports, urge

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz/", pages.healthz, name="healthz"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("assignments/", lists.assignment_list, name="assignment_list"),
    path("key-tasks/", lists.key_task_list, name="key_task_list"),
    path("key-tasks/<int:pk>/", pages.key_task_detail, name="key_task_detail"),
    path("assignments/<int:pk>/", reports.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/report/", reports.report_create, name="report_create"),
    path("assignments/<int:pk>/extension/", reports.extension_create, name="extension_create"),
    path("review/", reports.review_queue, name="review_queue"),
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("extensions/<int:pk>/decide/", reports.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", reports.evidence_download, name="evidence_download"),
    path("key-tasks/<int:pk>/comments/", reports.comment_create, name="comment_create"),
    path("assignments/<int:pk>/urge/", urge.urge, name="assignment_urge"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/<int:pk>/", inbox.inbox_open, name="inbox_open"),
    path("inbox/preferences/", inbox.inbox_preferences, name="inbox_preferences"),
    path("exports/", exports.exports_home, name="exports"),
    path("exports/ledger.xlsx", exports.ledger_download, name="ledger_download"),
    path("exports/assessment.xlsx", exports.assessment_download, name="assessment_download"),
    path("exports/annual-report.docx", exports.annual_report_download, name="annual_report_download"),
    path("plans/import/", exports.plan_import_page, name="plan_import"),
    path("plans/import/template.xlsx", exports.plan_import_template, name="plan_import_template"),
    path("plans/<int:year>/rollover/", exports.plan_rollover_action, name="plan_rollover"),
    path("calendar/<str:token>.ics", exports.calendar_feed, name="calendar_feed"),
    path("calendar/reset/", exports.calendar_feed_reset, name="calendar_feed_reset"),
]
