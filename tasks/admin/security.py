"""The audit log in the admin: searchable, never added to, changed or deleted (only the audit administrator
sees it; tasks.security.duties)."""

from django.contrib import admin

from tasks.models import AuditEntry
from tasks.security.duties import DutyAdminMixin


@admin.register(AuditEntry)
class AuditEntryAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "username", "ip", "action", "object_type", "object_id", "object_repr", "result"]
    list_filter = ["action", "result", "created_at"]
    search_fields = ["username", "ip", "object_repr", "object_type", "object_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
