"""Permissions as the system administrator reads them in the group and user forms: Django stores their names in
English ("Can add log entry") when it creates them, so the pickers show them in words built from the translated
names of the app and the model."""

from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

ACTIONS = {
    "add": lambda model: _("Can add %(model)s") % {"model": model},
    "change": lambda model: _("Can change %(model)s") % {"model": model},
    "delete": lambda model: _("Can delete %(model)s") % {"model": model},
    "view": lambda model: _("Can view %(model)s") % {"model": model},
}


def model_label(model) -> str:
    """A model's name in the pickers. django-simple-history names its record models "historical <name>" in
    English, whatever the language, and a many-to-many field's history after the join table
    ("HistoricalKeyTask_cooperating_units"); packages without Chinese (django-cas-ng) name theirs in English too,
    which our catalogue translates."""
    original = getattr(model, "instance_type", None)
    if original is None:
        return _(str(model._meta.verbose_name))
    owner = original._meta.auto_created
    if owner:
        field = next(f for f in owner._meta.many_to_many if f.remote_field.through is original)
        name = f"{owner._meta.verbose_name}·{field.verbose_name}"
    else:
        name = str(original._meta.verbose_name)
    return _("change records of %(model)s") % {"model": name}


def permission_label(permission: Permission) -> str:
    content_type = permission.content_type
    model = content_type.model_class()
    try:
        app = _(str(apps.get_app_config(content_type.app_label).verbose_name))
    except LookupError:
        app = content_type.app_label
    action = permission.codename.split("_", 1)[0]
    if model is not None and action in ACTIONS and permission.codename == f"{action}_{model._meta.model_name}":
        name = ACTIONS[action](model_label(model))
    else:
        name = _(permission.name)
    return f"{app} | {name}"


class ChinesePermissionsMixin:
    """For a ModelAdmin whose form picks permissions (groups, users)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None and db_field.related_model is Permission:
            formfield.queryset = formfield.queryset.select_related("content_type")
            formfield.label_from_instance = permission_label
        return formfield


class ReadOnlyAdminMixin:
    """For a log (the audit log, the change records, the administrator accounts' list): searchable, never
    added to, edited or deleted in the admin. After DutyAdminMixin in the bases, so the duty decides who looks."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoRevertMixin:
    """For a ModelAdmin of facts written only through services (reports, extension requests): django-simple-history's
    "revert" page would save an old version on POST, past the service, for anyone who may change the model. Its
    versions can still be read there."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class VisibleRowsMixin:
    """Rows tasks.access shows the account in the app (`visible`, one of access.visible_…): the list, the change and
    history pages of any other row are as for a row that does not exist. After DutyAdminMixin in the bases."""

    visible = None

    def get_queryset(self, request):
        return super().get_queryset(request) & self.visible(request.user)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.visible(request.user).filter(pk=obj.pk).exists())
