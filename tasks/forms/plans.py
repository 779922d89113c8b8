"""Forms of the committee's plan pages: a key task, an assignment, a unit added to a key task.

They shape input; the rules (dates, owners, a unit that already carries the task, a closed plan, a stale form)
are tasks.services.plans', and come back as errors on the fields."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.db.models import Q
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from tasks.models import Assignment, KeyTask, Membership, OrgUnit, User
from tasks.services import plans as plan_services


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# What the committee edits on a key task: the service's list, one definition.
KEY_TASK_FIELDS = list(plan_services.KEY_TASK_FIELDS)


class KeyTaskForm(forms.Form):
    """A key task's editable fields, built from the model, without the model's own validation: the service checks
    the same rules (and the plan's) and says what is wrong in the user's words."""

    def __init__(self, *args, key_task: KeyTask, **kwargs):
        initial = model_to_dict(key_task, fields=KEY_TASK_FIELDS)
        initial["version"] = key_task.version
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(
            fields_for_model(
                KeyTask,
                fields=KEY_TASK_FIELDS,
                widgets={
                    "description": forms.Textarea(attrs={"rows": 4}),
                    "start_date": _date_input(),
                    "deadline": _date_input(),
                    "target_value": forms.NumberInput(attrs={"min": 0, "step": "any", "inputmode": "decimal"}),
                    "weight": forms.NumberInput(attrs={"min": 0.01, "step": "any", "inputmode": "decimal"}),
                },
            )
        )
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
        # A responsible leader is a committee member (DOMAIN.md); whoever holds the task now stays choosable.
        leaders = User.objects.filter(
            Q(is_active=True, memberships__role=Membership.Role.COMMITTEE) | Q(pk=key_task.responsible_leader_id)
        )
        self.fields["responsible_leader"].queryset = leaders.distinct().order_by("full_name", "username")
        self.fields["responsible_leader"].label_from_instance = lambda user: user.display_name
        self.fields["title"].error_messages["required"] = _("Give the key task a title.")
        self.fields["start_date"].error_messages["required"] = _("Give a start date.")
        self.fields["deadline"].error_messages["required"] = _("Give a deadline.")
        self.fields["weight"].error_messages["required"] = _("The weight must be a number greater than 0.")
        for name in ("start_date", "deadline"):
            self.fields[name].error_messages["invalid"] = _("Type a date such as 2027-03-31.")
        # Short fields side by side on a desktop, one per line on a phone.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

        def row(*names):
            return Div(*(Div(Field(name), css_class="col-12 col-md") for name in names), css_class="row")

        self.helper.layout = Layout(
            "title",
            "description",
            row("start_date", "deadline"),
            row("metric_name", "metric_unit", "target_value"),
            row("weight", "cadence", "responsible_leader"),
            "evidence_required",
            "version",
        )


class _OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AssignmentForm(forms.Form):
    """An assignment's owner and deadline."""

    owner = _OwnerChoice(label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("— nobody —"))
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=_date_input(),
        error_messages={"required": _("Give a deadline."), "invalid": _("Type a date such as 2027-03-31.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, assignment: Assignment, candidates, **kwargs):
        initial = {"owner": assignment.owner_id, "deadline": assignment.deadline, "version": assignment.version}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            Q(pk__in=candidates.values("pk")) | Q(pk=assignment.owner_id)
        ).order_by("full_name", "username")
        self.fields["owner"].help_text = _("A member of the unit, or the secretary of a unit above it.")


class AssignmentAddForm(forms.Form):
    """One more unit for a key task; the owner defaults to the unit's secretary, the deadline to the key task's."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.none(),
        error_messages={"required": _("Choose a unit.")},
    )
    owner = _OwnerChoice(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— the unit's secretary —"),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=_date_input(),
        help_text=_("Empty: the key task's deadline."),
        error_messages={"invalid": _("Type a date such as 2027-03-31.")},
    )

    def __init__(self, *args, key_task: KeyTask, **kwargs):
        super().__init__(*args, prefix="add", **kwargs)
        taken = key_task.assignments.values("unit_id")
        from tasks import access

        units = access.plan_units(key_task.plan)
        self.fields["unit"].queryset = units.filter(is_active=True).exclude(pk__in=taken)
        self.fields["unit"].label_from_instance = lambda unit: unit.name
        # Anyone who belongs to a unit; the service checks the owner belongs to the unit chosen.
        self.fields["owner"].queryset = (
            User.objects.filter(is_active=True, memberships__unit__in=units)
            .distinct()
            .order_by("full_name", "username")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                *(Div(Field(name), css_class="col-12 col-md") for name in ("unit", "owner", "deadline")),
                css_class="row",
            )
        )


class CascadeLinkForm(forms.Form):
    """上级要点 → 本级要点: the key tasks of the lower committee's plan that answer a higher committee's assignment."""

    key_tasks = forms.ModelMultipleChoiceField(
        label=_("Key tasks of our plan that answer it"),
        queryset=KeyTask.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose at least one key task of your plan that answers it."),
            "invalid_choice": _("Choose key tasks from the list."),
            "invalid_pk_value": _("Choose key tasks from the list."),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, prefix="cascade", **kwargs)
        self.fields["key_tasks"].queryset = candidates
        self.fields["key_tasks"].label_from_instance = lambda key_task: f"{key_task.number} {key_task.title}"
