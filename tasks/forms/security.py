from django import forms
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
