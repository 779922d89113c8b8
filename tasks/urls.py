from django.urls import path

from tasks.views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz/", pages.healthz, name="healthz"),
    path("key-tasks/<int:pk>/", pages.key_task_detail, name="key_task_detail"),
    path("assignments/<int:pk>/", pages.assignment_detail, name="assignment_detail"),
]
