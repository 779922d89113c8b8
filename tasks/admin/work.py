"""The work data in the admin: users, units and memberships, plans, key tasks, assignments, reports,
reminders and their change records, behind the duty rule (tasks.security.duties)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tasks.admin.accounts import (
    ADMIN_POWER_FIELDS,
    MembershipAdminMixin,
    MembershipInline,
    MembershipServiceMixin,
    PasswordByServiceMixin,
)
from tasks.admin.permissions import ChinesePermissionsMixin, NoRevertMixin, ReadOnlyAdminMixin
from tasks.models import (
    AnnualPlan,
    Area,
    Assignment,
    Bundle,
    CalendarFeedToken,
    Comment,
    Evidence,
    ExtensionRequest,
    InboxMessage,
    KeyTask,
    Membership,
    OrgUnit,
    ProgressReport,
    Reminder,
    Urge,
    User,
    WorkdayOverride,
)
from tasks.security import duties
from tasks.security.duties import DutyAdminMixin
from tasks.services.accounts import user_save
from tasks.services.lights import lights_refresh


@admin.register(User)
class UserAdmin(
    DutyAdminMixin,
    ChinesePermissionsMixin,
    PasswordByServiceMixin,
    MembershipServiceMixin,
    SimpleHistoryAdmin,
    DjangoUserAdmin,
):
    # One 姓名 (full_name): Django's first/last name pair (名字/姓氏) is left out, as Chinese names are not split.
    fieldsets = (
        DjangoUserAdmin.fieldsets[0],
        (_("Personal info"), {"fields": ("full_name", "email", "phone", "notify_by_email")}),
        *DjangoUserAdmin.fieldsets[2:],
        (
            _("Security"),
            {"fields": ("admin_duty", "is_service_account", "must_change_password", "password_changed_at")},
        ),
    )
    list_display = [
        "username",
        "full_name",
        "email",
        "is_active",
        "is_staff",
        "admin_duty",
        "is_service_account",
        "last_login",
    ]
    list_filter = [*DjangoUserAdmin.list_filter, "admin_duty", "is_service_account"]
    search_fields = ["username", "full_name", "email", "phone"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # 三员分立 (tasks.security.duties): administrative power is a superuser's to give, and the service refuses
        # it to anyone else whatever the form posts; read-only here so that nobody is offered it.
        readonly = ["password_changed_at"]
        if not duties.may_grant_admin_power(request.user):
            readonly += ADMIN_POWER_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):
        # The security and audit administrators' accounts, and superusers, are not the system administrator's.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or duties.may_manage_account(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or duties.may_manage_account(request.user, obj))

    def save_model(self, request, obj, form, change):
        fields = form.cleaned_data
        user_save(
            actor=request.user,
            user=obj,
            # Present only for a superuser (read-only for anyone else): None leaves them as they are.
            groups=fields.get("groups"),
            user_permissions=fields.get("user_permissions"),
        )


@admin.register(OrgUnit)
class OrgUnitAdmin(DutyAdminMixin, MembershipServiceMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "parent", "sort_order", "is_active", "robot_kind"]
    list_filter = ["kind", "is_active", "robot_kind"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(DutyAdminMixin, MembershipAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0


@admin.register(AnnualPlan)
class AnnualPlanAdmin(DutyAdminMixin, SimpleHistoryAdmin):
    list_display = ["year", "committee", "title", "status", "created_at"]
    list_filter = ["status", "committee"]
    search_fields = ["title", "year"]
    list_select_related = ["committee"]
    inlines = [AreaInline]


@admin.register(Area)
class AreaAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "plan", "code", "sort_order"]
    list_filter = ["plan", "code"]
    search_fields = ["name"]


class StoredLightsAdminMixin:
    """For the admin of a model whose saves move assignments' stored lights (`lights_of(pk)`: those assignments):
    they are refreshed once a save, after the inlines on the change form, and after the model on simple-history's
    revert page, which saves the model alone (no save_related), in the same transaction as the revert."""

    def lights_of(self, pk):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lights_refresh(self.lights_of(form.instance.pk))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        with transaction.atomic():
            response = super().history_form_view(request, object_id, version_id, extra_context)
            if request.method == "POST" and isinstance(response, HttpResponseRedirect):  # the old version was saved
                lights_refresh(self.lights_of(unquote(object_id)))
        return response


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["unit", "owner", "deadline", "weight", "progress", "status"]
    readonly_fields = ["progress", "status"]
    autocomplete_fields = ["unit", "owner"]


@admin.register(KeyTask)
class KeyTaskAdmin(StoredLightsAdminMixin, DutyAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "plan", "area", "lead_unit", "responsible_leader", "deadline", "cadence"]
    list_filter = ["plan", "area__code", "cadence", "lead_unit"]
    search_fields = ["number", "title", "description"]
    autocomplete_fields = ["lead_unit", "cooperating_units", "responsible_leader"]
    date_hierarchy = "deadline"
    inlines = [AssignmentInline]

    def lights_of(self, pk):
        # Dates and cadence of a key task, and its inline assignments' deadlines, enter their stored lights.
        return Assignment.objects.filter(key_task_id=pk)


@admin.register(Assignment)
class AssignmentAdmin(StoredLightsAdminMixin, DutyAdminMixin, SimpleHistoryAdmin):
    list_display = ["key_task", "unit", "owner", "deadline", "original_deadline", "progress", "status", "completed_at"]
    list_filter = ["status", "key_task__plan", "key_task__area__code", "unit"]
    search_fields = ["key_task__number", "key_task__title", "unit__name", "owner__full_name", "owner__username"]
    autocomplete_fields = ["key_task", "unit", "owner"]
    # Progress moves only through approved reports (tasks.services.reports).
    readonly_fields = [
        "progress",
        "actual_value",
        "status",
        "completed_at",
        "last_approved_report",
        "last_approved_at",
        "original_deadline",
    ]
    date_hierarchy = "deadline"

    def lights_of(self, pk):
        return Assignment.objects.filter(pk=pk)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(DutyAdminMixin, NoRevertMixin, SimpleHistoryAdmin):
    list_display = ["assignment", "author", "percent", "state", "submitted_at", "reviewer", "reviewed_at"]
    list_filter = ["state", "assignment__key_task__plan", "assignment__unit"]
    search_fields = ["narrative", "obstacles", "assignment__key_task__title", "author__full_name", "author__username"]
    date_hierarchy = "submitted_at"
    inlines = [EvidenceInline]

    def get_readonly_fields(self, request, obj=None):
        # Reports are facts: written and reviewed through the app's services, never edited here.
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Evidence)
class EvidenceAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "report", "content_type", "size", "uploaded_at"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["report", "original_name", "stored_name", "content_type", "size", "sha256", "uploaded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Comment)
class CommentAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["key_task", "assignment", "author", "created_at"]
    search_fields = ["body", "author__username", "key_task__title"]
    list_filter = ["key_task__plan"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(DutyAdminMixin, NoRevertMixin, SimpleHistoryAdmin):
    list_display = ["assignment", "requested_by", "current_deadline", "requested_deadline", "state", "decided_by"]
    list_filter = ["state"]
    search_fields = ["reason", "assignment__key_task__title", "assignment__unit__name"]
    readonly_fields = [
        "assignment",
        "requested_by",
        "current_deadline",
        "requested_deadline",
        "current_progress",
        "state",
        "decided_by",
        "decided_at",
        "created_at",
    ]


@admin.register(Reminder)
class ReminderAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = [
        "kind",
        "channel",
        "recipient",
        "recipient_unit",
        "assignment",
        "period",
        "state",
        "attempts",
        "sent_at",
    ]
    list_filter = ["state", "kind", "channel"]
    search_fields = ["subject", "recipient__username", "recipient__full_name", "last_error"]
    readonly_fields = ["dedup_key", "created_at", "claimed_at", "sent_at", "attempts", "last_error"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    @admin.action(description=_("Re-send the selected reminders"))
    def resend(self, request, queryset):
        """Re-sends the messages that carried them, whole (a bundle is never sent in part)."""
        from tasks.services.reminders import reminder_resend

        count = reminder_resend(reminders=queryset)
        self.message_user(request, _("%(count)d messages queued to be sent again.") % {"count": count})


class ReminderItemInline(admin.TabularInline):
    model = Reminder
    fields = ["kind", "assignment", "period", "subject", "state"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bundle)
class BundleAdmin(DutyAdminMixin, admin.ModelAdmin):
    """What reached each person: one row per message (a day's bundle, or one item alone)."""

    list_display = [
        "subject",
        "channel",
        "recipient",
        "recipient_unit",
        "day",
        "item_count",
        "state",
        "attempts",
        "sent_at",
    ]
    list_filter = ["state", "channel", "daily"]
    search_fields = ["subject", "recipient__username", "recipient__full_name", "last_error"]
    readonly_fields = [
        "key",
        "recipient",
        "recipient_unit",
        "channel",
        "day",
        "daily",
        "subject",
        "item_count",
        "created_at",
        "not_before",
        "claimed_at",
        "sent_at",
        "attempts",
        "parts_sent",
        "last_error",
    ]
    date_hierarchy = "created_at"
    inlines = [ReminderItemInline]
    actions = ["resend"]

    @admin.action(description=_("Re-send the selected messages"))
    def resend(self, request, queryset):
        from tasks.services.reminders import bundle_resend

        count = bundle_resend(bundles=queryset)
        self.message_user(request, _("%(count)d messages queued to be sent again.") % {"count": count})


@admin.register(Urge)
class UrgeAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["assignment", "urged_by", "created_at"]
    search_fields = ["message", "assignment__key_task__title"]


@admin.register(InboxMessage)
class InboxMessageAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["title", "body", "user__username"]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(DutyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"


def _titled(title):
    """A field's list filter under another title: django-simple-history's fields are named in English."""

    class TitledFilter(admin.FieldListFilter):
        def __new__(cls, *args, **kwargs):
            instance = admin.FieldListFilter.create(*args, **kwargs)
            instance.title = title
            return instance

    return TitledFilter


class ChangeRecordAdmin(DutyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change log (django-simple-history): searchable, never editable."""

    list_display = ["changed_at", "change_action", "changed_by", "ip_address", "__str__"]
    list_filter = [("history_type", _titled(_("action"))), ("history_date", _titled(_("time")))]
    search_fields = ["history_user__username", "history_user__full_name", "ip_address", "history_change_reason"]
    date_hierarchy = "history_date"

    @admin.display(description=_("time"), ordering="history_date")
    def changed_at(self, record):
        return record.history_date

    @admin.display(description=_("action"), ordering="history_type")
    def change_action(self, record):
        return record.get_history_type_display()

    @admin.display(description=_("user"), ordering="history_user")
    def changed_by(self, record):
        return record.history_user


for tracked in (AnnualPlan, KeyTask, Assignment, ProgressReport, ExtensionRequest):
    admin.site.register(tracked.history.model, ChangeRecordAdmin)


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(DutyAdminMixin, admin.ModelAdmin):
    """The token itself is a secret and never shown; deleting a row revokes the user's calendar address."""

    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "created_at", "last_used_at"]
    readonly_fields = ["user", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
