from django.urls import path

from tasks import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("key-tasks/<int:pk>/", views.key_task_detail, name="key_task_detail"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
]
