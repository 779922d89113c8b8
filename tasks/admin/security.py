"""The audit log in the admin: searchable, never added to, changed or deleted (only the audit administrator
sees it; tasks.security.duties); and the administrator accounts, whose passwords the security administrator
resets (三员分立: never the system administrator, never one's own)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tasks.admin.accounts import PasswordByServiceMixin
from tasks.admin.permissions import ReadOnlyAdminMixin
from tasks.models import AdministratorAccount, AuditEntry
from tasks.security import duties
from tasks.security.duties import DutyAdminMixin


@admin.register(AuditEntry)
class AuditEntryAdmin(DutyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "username", "ip", "action", "object_type", "object_id", "object_repr", "result"]
    list_filter = ["action", "result", "created_at"]
    search_fields = ["username", "ip", "object_repr", "object_type", "object_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
    list_per_page = 50

    def get_actions(self, request):
        return {}


@admin.register(AdministratorAccount)
class AdministratorAccountAdmin(DutyAdminMixin, ReadOnlyAdminMixin, PasswordByServiceMixin, DjangoUserAdmin):
    """The security administrator's list of administrator accounts, with one thing to do: reset a password
    (tasks.services.accounts.user_password_set, which makes the owner choose a new one at the next login).
    Nothing else is edited: the password page asks tasks.security.duties.may_set_password itself."""

    list_filter = ["admin_duty", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = ((None, {"fields": ("username", "full_name", "admin_duty", "is_active", "password_changed_at")}),)
    readonly_fields = ["username", "full_name", "admin_duty", "is_active", "password_changed_at"]
    list_display_links = None
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(admin_duty="")

    def get_urls(self):
        # Django's UserAdmin names its password page "auth_user_password_change" for any model; this one is ours.
        urls = super().get_urls()
        for url in urls:
            if url.name == "auth_user_password_change":
                url.name = "tasks_administratoraccount_password_change"
        return urls

    def get_list_display(self, request):
        @admin.display(description=_("password"))
        def reset_password(account):
            if not duties.may_set_password(request.user, account):
                return "—"  # one's own: on the password page, with the old password
            url = reverse("admin:tasks_administratoraccount_password_change", args=[account.pk])
            return format_html('<a href="{}">{}</a>', url, _("Reset password"))

        return ["username", "full_name", "admin_duty", "is_active", "password_changed_at", reset_password]
