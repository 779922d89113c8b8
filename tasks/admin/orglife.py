"""Organisational life (组织生活) in the admin: meeting types and their cadence, the roster, meeting records with
their attendance and files, and their change records.

Two gates, the same as the app's: the duty rule first (DutyAdminMixin: an administrator account without a work
role opens none of it), then tasks.access for the rows (an account sees the branches its work roles show it in the
app, a superuser without a work role none). Writes go through the services (tasks.services.orglife), so they are
checked, in the change history and audited as in the app, and a forged POST meets the service's 403. Meeting
records are facts written with their attendance on the app's pages ("更正" there): read-only here, like reports.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tasks import access
from tasks.admin.permissions import ReadOnlyAdminMixin, VisibleRowsMixin
from tasks.admin.work import ChangeRecordAdmin
from tasks.models import Attendance, MeetingFile, MeetingRecord, MeetingType, OrgUnit, PartyGroup, PartyMember
from tasks.security.duties import DutyAdminMixin
from tasks.services.orglife import meeting_type_save, party_member_create, party_member_update
from tasks.services.orglife.roster import member_errors
from tasks.services.orglife.types import MEETING_TYPE_FIELDS, meeting_type_errors


def _add_errors(form, errors: dict[str, list[str]]) -> None:
    """A service's checks under the fields they name, except where the field already has its own error."""
    for field, messages in errors.items():
        if field in form.fields and field in form.errors:
            continue
        form.add_error(field if field in form.fields else None, messages)


class _ActorFormMixin:
    """Gives the form the request's user (`actor`), for choices and checks that depend on who is writing."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})


class _RevertThroughChangeMixin:
    """django-simple-history's "revert" page saves on POST for anyone who may view: here it needs the change
    permission on that object, like the change page (and saves through the same service)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# --- Meeting types --------------------------------------------------------------------------------------------


class MeetingTypeAdminForm(forms.ModelForm):
    actor = None

    class Meta:
        model = MeetingType
        fields = MEETING_TYPE_FIELDS

    def _get_validation_exclusions(self):
        # The name's uniqueness is checked with the service's words (meeting_type_errors), not Django's as well.
        return {*super()._get_validation_exclusions(), "name"}

    def clean(self):
        cleaned = super().clean()
        _add_errors(
            self,
            meeting_type_errors(
                name=" ".join((cleaned.get("name") or "").split()),
                cadence=cleaned.get("cadence") or "",
                per_party_group=bool(cleaned.get("per_party_group")),
                is_lecture=bool(cleaned.get("is_lecture")),
                meeting_type=self.instance if self.instance.pk else None,
            ),
        )
        return cleaned


@admin.register(MeetingType)
class MeetingTypeAdmin(DutyAdminMixin, _ActorFormMixin, _RevertThroughChangeMixin, SimpleHistoryAdmin):
    """The duties (三会一课…) and their cadence: seen by everyone who opens the admin's organisational life, set by
    the committee (access.can_manage_meeting_types), as on the app's page."""

    form = MeetingTypeAdminForm
    list_display = MEETING_TYPE_FIELDS
    list_filter = ["cadence", "is_active", "per_party_group", "evidence_required"]
    search_fields = ["name", "short_name", "code"]
    readonly_fields = ["code", "sort_order"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and access.can_manage_meeting_types(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and access.can_manage_meeting_types(request.user)

    def has_delete_permission(self, request, obj=None):
        # Records name their types: a type no longer owed is made inactive, never deleted.
        return False

    def save_model(self, request, obj, form, change):
        fields = form.cleaned_data
        saved = meeting_type_save(
            user=request.user,
            meeting_type=obj if change else None,
            name=fields["name"],
            cadence=fields["cadence"],
            short_name=fields.get("short_name", ""),
            per_party_group=fields.get("per_party_group", False),
            is_lecture=fields.get("is_lecture", False),
            evidence_required=fields.get("evidence_required", False),
            active_from=fields.get("active_from"),
            is_active=fields.get("is_active", True),
        )
        obj.pk, obj.code, obj._state.adding = saved.pk, saved.code, False


# --- The roster -----------------------------------------------------------------------------------------------


class PartyMemberAdminForm(forms.ModelForm):
    actor = None

    class Meta:
        model = PartyMember
        fields = ["unit", "name", "gender", "category", "party_group", "joined_on", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            kept = [unit.pk for unit in access.orglife_units(self.actor) if access.can_keep_orglife(self.actor, unit)]
            self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=kept)
        if "party_group" in self.fields:  # not for a member the account sees but does not keep (read-only)
            groups = self.fields["party_group"]
            groups.queryset = PartyGroup.objects.filter(unit__in=access.orglife_units(self.actor))
            groups.queryset = groups.queryset.select_related("unit")
            groups.label_from_instance = lambda group: f"{group.unit.label} · {group.name}"

    def _get_validation_exclusions(self):
        # A namesake on the roster is refused with the service's words (member_errors), not a constraint's name.
        return {*super()._get_validation_exclusions(), "name"}

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit") if "unit" in self.fields else self.instance.unit
        if unit is None:
            return cleaned
        _add_errors(
            self,
            member_errors(
                unit=unit,
                name=" ".join((cleaned.get("name") or "").split()),
                gender=cleaned.get("gender") or "",
                category=cleaned.get("category") or "",
                party_group=cleaned.get("party_group"),
                joined_on=cleaned.get("joined_on"),
                status=cleaned.get("status") or "",
                account=self.instance.user,
                member=self.instance if self.instance.pk else None,
            ),
        )
        return cleaned


@admin.register(PartyMember)
class PartyMemberAdmin(
    DutyAdminMixin, VisibleRowsMixin, _ActorFormMixin, _RevertThroughChangeMixin, SimpleHistoryAdmin
):
    """党员名册 of the branches the account sees; kept (added, changed) for the branches it keeps. A member leaves the
    roll by status (已转出 / 已去世), never by deletion: the attendance of past meetings names them."""

    form = PartyMemberAdminForm
    visible = staticmethod(access.visible_party_members)
    list_display = ["name", "unit", "party_group", "gender", "category", "joined_on", "status", "user"]
    list_filter = ["status", "category", "gender", ("unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "unit__name", "unit__short_name", "party_group__name"]
    list_select_related = ["unit", "party_group", "user"]

    def get_readonly_fields(self, request, obj=None):
        # The account is linked on the roster's page; a member moves to another branch by transfer, not here.
        return ["user"] if obj is None else ["unit", "user"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.can_keep_orglife(request.user, obj.unit))

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = form.cleaned_data
        values = {
            "user": request.user,
            "name": fields["name"],
            "gender": fields["gender"],
            "category": fields["category"],
            "party_group": fields.get("party_group"),
            "joined_on": fields.get("joined_on"),
            "status": fields["status"],
        }
        if change:
            saved = party_member_update(member=obj, account=obj.user, **values)
        else:
            saved = party_member_create(unit=fields["unit"], **values)
        obj.pk, obj.version, obj._state.adding = saved.pk, saved.version, False


# --- Meeting records ------------------------------------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttendanceInline(_ReadOnlyInline):
    model = Attendance
    fields = ["member", "status", "reason"]
    readonly_fields = fields


class MeetingFileInline(_ReadOnlyInline):
    model = MeetingFile
    fields = ["original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = fields


@admin.register(MeetingRecord)
class MeetingRecordAdmin(
    DutyAdminMixin, VisibleRowsMixin, ReadOnlyAdminMixin, _RevertThroughChangeMixin, SimpleHistoryAdmin
):
    """组织生活记录 of the branches the account sees, with attendance and files: read here, recorded and corrected
    on the app's pages (the link "在站点上查看"), where the meeting's checks and its audit row live."""

    list_display = ["held_on", "unit", "type_names", "party_group", "attendance_counts", "created_by", "created_at"]
    list_filter = ["types", ("unit", admin.RelatedOnlyFieldListFilter), "held_on"]
    search_fields = ["topics", "place", "host", "recorder", "lecturer", "lecture_title", "unit__name"]
    list_select_related = ["unit", "party_group", "created_by"]
    date_hierarchy = "held_on"
    inlines = [AttendanceInline, MeetingFileInline]
    visible = staticmethod(access.visible_meetings)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("types")

    def get_fields(self, request, obj=None):
        # The id and the version are bookkeeping.
        return [field.name for field in self.model._meta.fields if field.name not in ("id", "version")] + ["types"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("meeting types"))
    def type_names(self, record):
        return "、".join(t.name for t in record.types.all())

    @admin.display(description=_("attendance"))
    def attendance_counts(self, record):
        return f"{record.present_count} / {record.expected_count}"


@admin.register(MeetingFile)
class MeetingFileAdmin(DutyAdminMixin, VisibleRowsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "record", "record_unit", "content_type", "size", "uploaded_at"]
    list_filter = [("record__unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["original_name", "sha256", "record__topics", "record__unit__name"]
    list_select_related = ["record__unit"]
    readonly_fields = ["record", "original_name", "stored_name", "content_type", "size", "sha256", "uploaded_at"]
    visible = staticmethod(access.visible_meeting_files)

    @admin.display(description=_("branch"), ordering="record__unit__name")
    def record_unit(self, stored):
        return stored.record.unit


# --- Change records -------------------------------------------------------------------------------------------


class BranchChangeRecordAdmin(ChangeRecordAdmin):
    """The change records of a branch's rows, for the branches the account sees (tasks.access), like the rows."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(unit_id__in=access.orglife_units(request.user).values("pk"))


admin.site.register(MeetingType.history.model, ChangeRecordAdmin)
for tracked in (PartyGroup, PartyMember, MeetingRecord):
    admin.site.register(tracked.history.model, BranchChangeRecordAdmin)
