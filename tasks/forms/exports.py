"""The committee's plan import form (the Excel and Word page)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.services.plan_import import MAX_BYTES


class PlanImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Plan file (.xlsx)"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only: show what would change without importing"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB. Split the plan or remove pictures and other sheets.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        return upload
