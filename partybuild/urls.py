from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from tasks.views import security as security_views

admin.site.site_header = _("PartyBuild administration")
admin.site.site_title = _("PartyBuild")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", security_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("audit/", security_views.audit_log, name="audit_log"),
    path("admin/", admin.site.urls),
    path("", include("tasks.urls")),
]

handler500 = "tasks.views.errors.server_error"
