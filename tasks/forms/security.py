from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tasks.models import AuditEntry


class AuditSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100, help_text=_("User name, object, object id or IP address")
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditEntry.Action.choices]
    )
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("All results")), *AuditEntry.Result.choices]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"


class LoginForm(AuthenticationForm):
    """Django's login form, saying why single sign-on refused an account (an LDAP login with no account here, an
    administrator through the directory) instead of "wrong password"."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login_sso": _(
            "Please enter a correct user name and password. Except for the system, security and audit "
            "administrators, log in with your unified identity."
        ),
    }

    def get_invalid_login_error(self):
        from tasks.security.sso.accounts import noted_refusal

        refusal = noted_refusal(self.request)
        if refusal is not None and refusal.reason != "local_disabled":
            return forms.ValidationError(refusal.message, code=refusal.reason)
        if settings.SSO_LOCAL_LOGIN == "administrators":
            # The same words whether the account is an administrator's or not: the form says nothing about accounts.
            return forms.ValidationError(self.error_messages["invalid_login_sso"], code="invalid_login")
        return super().get_invalid_login_error()
