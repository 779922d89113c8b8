from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from tasks.views import security as security_views
from tasks.views import sso as sso_views

admin.site.site_header = _("PartyBuild administration")
admin.site.site_title = _("PartyBuild")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("accounts/login/", security_views.LoginView.as_view(), name="login"),
    # Single sign-on (README, "Integration"): each answers 404 while its provider is off.
    path("accounts/sso/oidc/", sso_views.OIDCStartView.as_view(), name="sso_oidc_start"),
    path("accounts/sso/oidc/callback/", sso_views.OIDCCallbackView.as_view(), name="sso_oidc_callback"),
    path("accounts/sso/cas/", sso_views.CASLoginView.as_view(), name="sso_cas_login"),
    path("accounts/sso/wecom/", sso_views.oauth_start, {"provider": "wecom"}, name="sso_wecom_start"),
    path("accounts/sso/wecom/callback/", sso_views.oauth_callback, {"provider": "wecom"}, name="sso_wecom_callback"),
    path("accounts/sso/dingtalk/", sso_views.oauth_start, {"provider": "dingtalk"}, name="sso_dingtalk_start"),
    path(
        "accounts/sso/dingtalk/callback/",
        sso_views.oauth_callback,
        {"provider": "dingtalk"},
        name="sso_dingtalk_callback",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", security_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("audit/", security_views.audit_log, name="audit_log"),
    path("admin/", admin.site.urls),
    # The REST API, its schema and documentation page (README, "Integration").
    path("api/", include("tasks.api.urls")),
    path("", include("tasks.urls")),
]

handler500 = "tasks.views.errors.server_error"
