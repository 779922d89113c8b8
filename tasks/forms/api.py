import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.models import ApiToken, User, WebhookEndpoint
from tasks.services.webhooks import webhook_url_validator


class ApiTokenForm(forms.Form):
    """A new API token: what it is for, what it may do, when it expires (and, for the system administrator, which
    service account it is for). The rules are the service's (tasks.services.api_tokens)."""

    account = forms.ModelChoiceField(
        label=_("Service account"), queryset=User.objects.none(), required=False, empty_label=None
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What it is for, e.g. 智慧党建平台"))
    scope = forms.ChoiceField(
        label=_("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, widget=forms.RadioSelect
    )
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, service_accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=90)
        self.fields["expires_on"].help_text = _("At most %(days)d days from today.") % {
            "days": settings.API_TOKEN_MAX_DAYS
        }
        if service_accounts is None:
            del self.fields["account"]
        else:
            self.fields["account"].queryset = service_accounts
            self.fields["account"].required = True


class WebhookURLField(forms.URLField):
    """An address the service accepts (http or https), said with the service's words; not Django's looser check."""

    def __init__(self, **kwargs):
        validator = webhook_url_validator()
        super().__init__(error_messages={"invalid": validator.message}, **kwargs)
        self.validators = [validator, *self.validators[1:]]


class WebhookEndpointForm(forms.Form):
    """A receiving system's address and the events it wants (rules: tasks.services.webhooks)."""

    url = WebhookURLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The receiving system's address, e.g. https://oa.intranet.example/hooks/partybuild"),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class WebhookDeleteForm(forms.Form):
    """Deleting a webhook deletes its delivery log too: the box says so, and must be ticked."""

    confirm = forms.BooleanField(
        label=_("I understand that the delivery log is deleted with the webhook."),
        error_messages={"required": _("Tick the box to confirm: the delivery log is deleted with the webhook.")},
    )
