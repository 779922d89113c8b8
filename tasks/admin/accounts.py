"""Accounts in the admin: every write goes through tasks.services.accounts, where 三员分立 is enforced.

The forms show the rule where the administrator is looking (a membership refused for an administrator account is
an error under the user field); a forged POST that gets past a form meets the same rule in the service, which
refuses with 403.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from tasks.models import Membership
from tasks.security import duties
from tasks.services.accounts import membership_delete, membership_save, user_password_set, work_role_refusal

# Administrative power: a superuser's alone to give (tasks.security.duties.may_grant_admin_power).
ADMIN_POWER_FIELDS = ["admin_duty", "is_staff", "is_superuser", "groups", "user_permissions"]


class MembershipForm(forms.ModelForm):
    """A membership's form that knows who is granting it (`actor`, set by the admin for each request)."""

    actor = None

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        if user is not None and self.actor is not None and not duties.may_grant_work_role(self.actor, user):
            self.add_error("user" if "user" in self.fields else None, work_role_refusal())
        return cleaned


def _form_for(form_class, actor):
    return type(form_class.__name__, (form_class,), {"actor": actor})


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["unit"]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = _form_for(self.form, request.user)
        return super().get_formset(request, obj, **kwargs)


class MembershipServiceMixin:
    """For the admins that edit memberships inline (users, units): saves and deletions go through the service."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership_delete(actor=request.user, membership=membership)
        for membership in instances:
            membership_save(actor=request.user, membership=membership)
        formset.save_m2m()
        return None


class MembershipAdminMixin:
    form = MembershipForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = _form_for(self.form, request.user)
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        membership_save(actor=request.user, membership=obj)

    def delete_model(self, request, obj):
        membership_delete(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            membership_delete(actor=request.user, membership=membership)


class PasswordByServiceMixin:
    """The admin's "set password" page for an account, through `user_password_set`: whoever may not set this
    account's password (tasks.security.duties.may_set_password) gets 403, whatever the URL, and the password an
    administrator sets must be changed at the next login. Django's own view (UserAdmin.user_change_password)
    saved the form directly."""

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404(_("This account does not exist."))
        # This admin must be open to the administrator (the duty rule), and the rule of passwords allow it.
        if not (self.has_view_permission(request, user) and duties.may_set_password(request.user, user)):
            raise PermissionDenied
        form = self.change_password_form(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            usable = form.cleaned_data.get("set_usable_password", True)
            if not usable and "unset-password" not in request.POST:
                messages.error(request, _("Conflicting form data submitted. Please try again."))
                return HttpResponseRedirect(request.get_full_path())
            password = form.cleaned_data["password1"] if usable else None
            user_password_set(actor=request.user, user=user, password=password)
            self.log_change(request, user, self.construct_change_message(request, form, None))
            messages.success(
                request,
                _("Password set. %(name)s must choose a new one at the next login.") % {"name": user.display_name},
            )
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )
        context = {
            "title": (_("Change password: %s") if user.has_usable_password() else _("Set password: %s"))
            % escape(user.get_username()),
            "adminForm": admin.helpers.AdminForm(form, [(None, {"fields": list(form.base_fields)})], {}),
            "form_url": form_url,
            "form": form,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "is_popup_var": IS_POPUP_VAR,
            "add": True,
            "change": False,
            "has_delete_permission": False,
            "has_change_permission": True,
            "has_absolute_url": False,
            "opts": self.opts,
            "original": user,
            "save_as": False,
            "show_save": True,
            **self.admin_site.each_context(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, self.change_user_password_template or "admin/auth/user/change_password.html", context
        )
