"""Forms of organisational life: a roster line, a party group, a meeting record, a roster import.

Attendance is not a form field: the view reads one radio group and one reason per member listed (the roster's
members on the roll, or one party group's), so the list on the page is the list saved."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.forms.work import MultipleFileField
from tasks.models import Attendance, MeetingType, PartyGroup, PartyMember


class PartyMemberForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("full name"), max_length=30)
    gender = forms.ChoiceField(label=_("gender"), choices=PartyMember.Gender.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(
        label=_("category"), choices=PartyMember.Category.choices, initial=PartyMember.Category.FULL
    )
    party_group = forms.ModelChoiceField(label=_("party group"), queryset=PartyGroup.objects.none(), required=False)
    joined_on = forms.DateField(
        label=_("joined the party on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("status"), choices=PartyMember.Status.choices, initial=PartyMember.Status.ACTIVE)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        # Any group, so that a group of another branch reaches the service and gets its clear refusal.
        self.fields["party_group"].queryset = PartyGroup.objects.all()
        self.group_choices = PartyGroup.objects.filter(unit=unit)
        self.fields["party_group"].widget.choices = [("", "—"), *((g.pk, g.name) for g in self.group_choices)]


class PartyGroupForm(forms.Form):
    name = forms.CharField(label=_("new party group"), max_length=50)


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class MeetingRecordForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    types = forms.ModelMultipleChoiceField(
        label=_("meeting types"),
        queryset=MeetingType.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("One meeting may count for several types (主题党日 held with the 支部党员大会)."),
    )
    party_group = forms.ModelChoiceField(label=_("party group"), queryset=PartyGroup.objects.none(), required=False)
    held_on = forms.DateField(label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    host = forms.CharField(label=_("host"), max_length=30, required=False)
    recorder = forms.CharField(label=_("recorder"), max_length=30, required=False)
    topics = forms.CharField(
        label=_("topics"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lecturer = forms.CharField(label=_("lecturer"), max_length=30, required=False)
    lecture_title = forms.CharField(label=_("lecture title"), max_length=200, required=False)
    minutes = forms.CharField(
        label=_("minutes"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Optional unless the type asks for it: photos, the sign-in sheet. PDF, JPG, PNG, Word or Excel."),
    )

    def __init__(self, *args, unit, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        types = MeetingType.objects.filter(is_active=True)
        if record is not None:
            types = MeetingType.objects.filter(
                pk__in=[*types.values_list("pk", flat=True), *record.types.values_list("pk", flat=True)]
            )
        self.fields["types"].queryset = types.order_by("sort_order", "id")
        self.fields["party_group"].queryset = PartyGroup.objects.all()
        self.fields["party_group"].widget.choices = [
            ("", "—"),
            *((g.pk, g.name) for g in PartyGroup.objects.filter(unit=unit)),
        ]
        self.fields["party_group"].help_text = _("Only for a party group meeting.")


ATTENDANCE_CHOICES = Attendance.Status.choices


class MeetingTypeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    short_name = forms.CharField(label=_("short name"), max_length=20, required=False)
    cadence = forms.ChoiceField(label=_("cadence"), choices=MeetingType.Cadence.choices)
    per_party_group = forms.BooleanField(
        label=_("per party group"), required=False, help_text=_("Each party group of a branch owes its own meeting.")
    )
    is_lecture = forms.BooleanField(
        label=_("party lecture"), required=False, help_text=_("A record of this type names the lecturer and the title.")
    )
    evidence_required = forms.BooleanField(
        label=_("files required"), required=False, help_text=_("A record of this type must carry at least one file.")
    )
    active_from = forms.DateField(
        label=_("owed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Periods that end before this day owe nothing. Empty for a new type: the first of this month."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
