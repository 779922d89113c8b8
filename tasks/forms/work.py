"""Forms of the work pages: reports, reviews, extensions, comments, urges, the workbench filter.

Forms only shape input; rules live in tasks.services and come back as ValidationErrors on fields."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from tasks.models import ExtensionRequest, ProgressReport
from tasks.services.evidence import ALLOWED_EXTENSIONS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


MEETINGS_OFFERED = 30  # the latest meeting records offered as evidence


class ProgressReportForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    meetings = forms.ModelMultipleChoiceField(
        label=_("Meeting records as evidence"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Meetings already recorded under organisational life: attach them instead of typing them again."),
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Optional unless the task asks for it. PDF, JPG, PNG, Word or Excel."),
    )

    class Meta:
        model = ProgressReport
        fields = ["percent", "actual_value", "narrative", "obstacles", "decrease_reason"]
        widgets = {
            "percent": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
            "actual_value": forms.NumberInput(attrs={"min": 0, "step": "any", "inputmode": "decimal"}),
            "narrative": forms.Textarea(attrs={"rows": 4}),
            "obstacles": forms.Textarea(attrs={"rows": 3}),
        }

    keep_evidence = forms.BooleanField(label=_("Keep the returned report's files"), required=False, initial=True)

    def __init__(self, *args, assignment, needs_obstacles: bool, returned_report=None, **kwargs):
        if returned_report is not None:
            # A correction starts from what was returned: the author fixes what the reviewer asked, no more.
            kwargs["initial"] = {
                "percent": returned_report.percent,
                "actual_value": returned_report.actual_value,
                "narrative": returned_report.narrative,
                "obstacles": returned_report.obstacles,
                "decrease_reason": returned_report.decrease_reason,
                **kwargs.get("initial", {}),
            }
        super().__init__(*args, **kwargs)
        key_task = assignment.key_task
        self.fields["version"].initial = assignment.version
        self.fields["percent"].initial = assignment.progress
        self.fields["percent"].help_text = _("Approved so far: %(progress)d%%") % {"progress": assignment.progress}
        kept = list(returned_report.evidence.all()) if returned_report is not None else []
        self._keep_evidence_field(kept)
        self._actual_value_field(assignment)
        self._obstacles_field(needs_obstacles)
        self._meetings_field(assignment)
        if key_task.evidence_required and not kept and "meetings" not in self.fields:
            self.fields["evidence"].required = True
        # After an error htmx swaps the form in again: the file input the user filled is kept as it is (a
        # browser cannot be handed files back), so the files need not be chosen again.
        self.fields["evidence"].widget.attrs["hx-preserve"] = True
        self.fields["narrative"].error_messages["required"] = _("Describe the progress made.")
        self.fields["decrease_reason"].help_text = _("Only needed when progress is lower than the approved value.")
        self.helper = self._layout()

    def _keep_evidence_field(self, kept: list) -> None:
        """A correction offers to keep the returned report's files, by name; a first report has none to keep."""
        if not kept:
            del self.fields["keep_evidence"]
            return
        self.fields["keep_evidence"].label = _("Keep the returned report's files: %(names)s") % {
            "names": _(", ").join(evidence.original_name for evidence in kept)
        }
        self.fields["keep_evidence"].help_text = _("Untick to leave them out; new files are added to them.")

    def _actual_value_field(self, assignment) -> None:
        """The actual value, for a key task with a quantitative target only, labelled with its metric."""
        key_task = assignment.key_task
        if not key_task.has_target:
            del self.fields["actual_value"]
            return
        field = self.fields["actual_value"]
        field.label = _("Actual %(metric)s so far (%(unit)s)") % {
            "metric": key_task.metric_name or _("value"),
            "unit": key_task.metric_unit or "—",
        }
        field.help_text = _("Cumulative; the target is %(target)s.") % {
            "target": f"{key_task.target_value.normalize():f} {key_task.metric_unit}"
        }
        field.initial = assignment.actual_value
        field.validators.append(MinValueValidator(0))

    def _obstacles_field(self, needs_obstacles: bool) -> None:
        # Any report may raise a difficulty for the committee to coordinate; one on a yellow or red
        # assignment must say what is in the way (the service checks it again, on the day of the report).
        if needs_obstacles:
            self.fields["obstacles"].required = True
            self.fields["obstacles"].help_text = _(
                "This assignment is behind: what is in the way, and what help do you need?"
            )
        else:
            self.fields["obstacles"].help_text = _(
                "Optional: anything in the way, or help you need from the committee. The committee answers it."
            )

    def _layout(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            "version",
            Div(
                Div(Field("percent"), css_class="col-6"),
                Div(Field("actual_value"), css_class="col-6")
                if "actual_value" in self.fields
                else Div(css_class="col-6"),
                css_class="row",
            ),
            "narrative",
            "obstacles",
            "decrease_reason",
            "evidence",
            *(["keep_evidence"] if "keep_evidence" in self.fields else []),
            *(["meetings"] if "meetings" in self.fields else []),
        )
        return helper

    def clean_percent(self):
        percent = self.cleaned_data["percent"]
        if percent is not None and not 0 <= percent <= 100:
            raise ValidationError(_("Progress must be between 0 and 100."))
        return percent

    def _meetings_field(self, assignment) -> None:
        """The unit's meeting records of the plan's year (组织生活记录), to attach instead of typing them again."""
        from tasks import access
        from tasks.models import MeetingRecord

        records = MeetingRecord.objects.filter(
            unit_id__in=access.descendant_unit_ids([assignment.unit_id]),
            held_on__year=assignment.key_task.plan.year,
        ).order_by("-held_on", "-id")[:MEETINGS_OFFERED]
        records = list(records.select_related("unit").prefetch_related("types"))
        if not records:
            del self.fields["meetings"]
            return
        self.fields["meetings"].queryset = MeetingRecord.objects.filter(pk__in=[r.pk for r in records])
        self.fields["meetings"].choices = [
            (r.pk, f"{r.held_on:%m-%d} {'、'.join(t.label for t in r.types.all())} · {r.topics[:30]}") for r in records
        ]


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    review_comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when returning a report."),
    )


class ExtensionRequestForm(forms.ModelForm):
    class Meta:
        model = ExtensionRequest
        fields = ["requested_deadline", "reason"]
        widgets = {
            "requested_deadline": forms.DateInput(attrs={"type": "date"}),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "reason": {"required": _("Say why more time is needed.")},
            "requested_deadline": {"required": _("Choose the new deadline.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class DifficultyAnswerForm(forms.Form):
    """The committee's answer to a report's difficulties."""

    state = forms.ChoiceField(
        label=_("Answer"),
        choices=ProgressReport.Difficulty.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose coordinated or resolved.")},
    )
    body = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what was done about the difficulty.")},
    )


class ExtensionDecisionForm(forms.Form):
    decision_comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a comment first.")},
    )


class WorkbenchFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("Any status")),
        ("open", _("Not completed")),
        ("completed", _("Completed")),
        ("submitted", _("Report awaiting review")),
        ("returned", _("Report returned")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("Area"), required=False)
    light = forms.ChoiceField(label=_("Light"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, areas, **kwargs):
        from tasks.rules import Light

        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas")), *[(area.pk, area.name) for area in areas]]
        self.fields["light"].choices = [("", _("All lights")), *Light.choices]


class UrgeForm(forms.Form):
    """An urge says what is asked of the unit: the box starts with a plain request that one click sends, and
    an urge emptied by mistake is refused rather than sent as a bare "urged"."""

    message = forms.CharField(
        label=_("Message to the unit"),
        max_length=500,
        initial=_("Please report your progress as soon as possible."),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("e.g. Please report before Friday.")}),
        error_messages={"required": _("Write what you ask of the unit.")},
    )
