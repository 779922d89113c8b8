"""Organisational life (组织生活): 三会一课, 主题党日 and 组织生活会 as recurring duties of every branch.

A branch keeps a roster of its party members (党员名册; members need no account), its party groups (党小组), and
one record per meeting held (组织生活记录) with attendance by member. The duties themselves are meeting types
with a cadence; which periods a branch owes and whether a record meets them is worked out in
tasks.selectors.orglife from these rows, never stored twice.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models.files import StoredFile
from tasks.models.history import IPAddressHistoricalModel
from tasks.models.org import OrgUnit


def _change_records(verbose_name, verbose_name_plural) -> HistoricalRecords:
    """The change history of a model of this module. Named here because simple-history calls the records
    "historical <name>" in English whatever the language (the admin's menu)."""
    return HistoricalRecords(
        bases=[IPAddressHistoricalModel], verbose_name=verbose_name, verbose_name_plural=verbose_name_plural
    )


class MeetingType(models.Model):
    """One recurring duty (支部委员会会议: once a month). The committee edits the cadence and may add a type in the
    middle of a year: a type owes nothing for periods that ended before `active_from`."""

    class Cadence(models.TextChoices):
        MONTH = "month", _("once a month")
        QUARTER = "quarter", _("once a quarter")
        YEAR = "year", _("once a year")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices, default=Cadence.MONTH)
    per_party_group = models.BooleanField(
        _("per party group"), default=False, help_text=_("Each party group of a branch owes its own meeting.")
    )
    is_lecture = models.BooleanField(
        _("party lecture"), default=False, help_text=_("A record of this type names the lecturer and the title.")
    )
    evidence_required = models.BooleanField(
        _("files required"), default=False, help_text=_("A record of this type must carry at least one file.")
    )
    active_from = models.DateField(
        _("owed from"), default=dt.date(2000, 1, 1), help_text=_("Periods that end before this day owe nothing.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    history = _change_records(_("change record of a meeting type"), _("change records of meeting types"))

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("meeting type")
        verbose_name_plural = _("meeting types")

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class PartyGroup(models.Model):
    """党小组: a group of a branch's members, which owes its own group meeting."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="party_groups")
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    history = _change_records(_("change record of a party group"), _("change records of party groups"))

    class Meta:
        ordering = ["unit", "sort_order", "id"]
        verbose_name = _("party group")
        verbose_name_plural = _("party groups")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="party_group_unique_name")]

    def __str__(self):
        return self.name


class PartyMember(models.Model):
    """One line of a branch's roster (党员名册). Two members of one branch with the same name are told apart in the
    name, as paper rosters do (张伟（大）), so that an import and the attendance list can name them."""

    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class Category(models.TextChoices):
        FULL = "full", _("full member")
        PROBATIONARY = "probationary", _("probationary member")

    class Status(models.TextChoices):
        ACTIVE = "active", _("on the roll")
        TRANSFERRED = "transferred", _("transferred out")
        DECEASED = "deceased", _("deceased")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="party_members")
    name = models.CharField(_("full name"), max_length=30)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    category = models.CharField(_("category"), max_length=15, choices=Category.choices, default=Category.FULL)
    party_group = models.ForeignKey(
        PartyGroup,
        verbose_name=_("party group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.ACTIVE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_memberships",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = _change_records(_("change record of a party member"), _("change records of party members"))

    class Meta:
        ordering = ["unit", "party_group__sort_order", "id"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        constraints = [
            models.UniqueConstraint(Lower("name"), "unit", name="party_member_unique_name"),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return self.name


class MeetingRecord(models.Model):
    """组织生活记录: one meeting a branch (or one of its party groups) held. It may count for several types at once
    (a 主题党日 held with a 支部党员大会 meets both)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="meetings")
    types = models.ManyToManyField(MeetingType, verbose_name=_("meeting types"), related_name="records")
    party_group = models.ForeignKey(
        PartyGroup,
        verbose_name=_("party group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text=_("For a party group meeting: the group that met."),
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    host = models.CharField(_("host"), max_length=30)
    recorder = models.CharField(_("recorder"), max_length=30)
    topics = models.TextField(_("topics"), max_length=1000)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    lecturer = models.CharField(_("lecturer"), max_length=30, blank=True)
    lecture_title = models.CharField(_("lecture title"), max_length=200, blank=True)
    expected_count = models.PositiveIntegerField(_("expected to attend"), default=0, editable=False)
    present_count = models.PositiveIntegerField(_("attended"), default=0, editable=False)
    leave_count = models.PositiveIntegerField(_("on leave"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = _change_records(_("change record of a meeting record"), _("change records of meeting records"))

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("meeting record")
        verbose_name_plural = _("meeting records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(present_count__lte=models.F("expected_count"))
                & models.Q(leave_count__lte=models.F("expected_count")),
                name="meeting_counts_within_expected",
            ),
        ]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.topics[:30]}"

    def get_absolute_url(self):
        return reverse("meeting_detail", args=[self.pk])

    @property
    def absent_count(self) -> int:
        return self.expected_count - self.present_count - self.leave_count

    @property
    def attendance_rate(self) -> float | None:
        """实到 / 应到, or None when nobody was expected."""
        return self.present_count / self.expected_count if self.expected_count else None


class Attendance(models.Model):
    """One member at one meeting. Written only with its record (the record's audit row lists the changes)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        LEAVE = "leave", _("on leave")
        ABSENT = "absent", _("absent")

    record = models.ForeignKey(
        MeetingRecord, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("reason for leave"), max_length=200, blank=True)

    class Meta:
        ordering = ["record", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["record", "member"], name="attendance_once_per_member"),
            models.CheckConstraint(
                condition=~models.Q(status="leave") | ~models.Q(reason=""), name="attendance_leave_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"]),
            # The six-month rule starts from the few absences (some 3% of attendance), never from all of it.
            models.Index(fields=["record", "member"], condition=models.Q(status="absent"), name="attendance_absent"),
        ]

    def __str__(self):
        return f"{self.member} · {self.get_status_display()}"


class MeetingFile(StoredFile):
    """A photo, a sign-in sheet or the minutes as a file: stored like evidence (tasks.services.evidence)."""

    record = models.ForeignKey(MeetingRecord, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="files")

    class Meta(StoredFile.Meta):
        verbose_name = _("meeting file")
        verbose_name_plural = _("meeting files")
