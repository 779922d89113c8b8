from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models.history import IPAddressHistoricalModel
from tasks.models.org import OrgUnit
from tasks.rules.lights import Light


class AnnualPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CLOSED = "closed", _("closed")

    # The committee (党委, 机关工委) whose plan it is: one plan a year per committee. Its members see and run it; a
    # committee above sees it read-only (tasks.access).
    committee = models.ForeignKey(OrgUnit, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(2000)])
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Made by `manage.py generate_load` (synthetic data for benchmarks), which replaces only such a plan.
    is_generated = models.BooleanField(_("synthetic load data"), default=False, editable=False)

    history = HistoricalRecords(bases=[IPAddressHistoricalModel])

    class Meta:
        ordering = ["-year", "committee_id"]
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        constraints = [models.UniqueConstraint(fields=["committee", "year"], name="annualplan_unique_committee_year")]

    def __str__(self):
        return self.title or str(self.year)


class Area(models.Model):
    class Code(models.TextChoices):
        POLITICAL = "political", _("political work")
        IDEOLOGICAL = "ideological", _("ideological work")
        ORGANIZATIONAL = "organizational", _("organizational work")
        DISCIPLINE = "discipline", _("discipline and style work")
        OTHER = "other", _("other")

    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("kind"), max_length=20, choices=Code.choices, default=Code.OTHER)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "sort_order", "id"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="area_unique_name_per_plan")]

    def __str__(self):
        return self.name


def number_sort_key(number: str) -> str:
    """'2.10' sorts after '2.9': each numeric part is zero-padded."""
    parts = []
    for part in number.split("."):
        parts.append(part.zfill(4) if part.isdigit() else part)
    return ".".join(parts)


class KeyTask(models.Model):
    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        ONCE = "once", _("once")

    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="key_tasks")
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="key_tasks")
    number = models.CharField(_("number"), max_length=20, help_text=_("e.g. 2.3"))
    number_sort = models.CharField(max_length=60, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_key_tasks"
    )
    cooperating_units = models.ManyToManyField(
        OrgUnit, verbose_name=_("cooperating units"), blank=True, related_name="cooperating_key_tasks"
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_key_tasks",
    )
    start_date = models.DateField(_("start date"))
    deadline = models.DateField(_("deadline"))
    metric_name = models.CharField(_("metric"), max_length=50, blank=True, help_text=_("e.g. 中心组学习"))
    metric_unit = models.CharField(_("metric unit"), max_length=10, blank=True, help_text=_("e.g. 次"))
    target_value = models.DecimalField(
        _("target value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    cadence = models.CharField(
        _("reporting cadence"), max_length=10, choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Optimistic locking: the committee's edit form carries it, and tasks.services.plans refuses a stale one.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(bases=[IPAddressHistoricalModel], m2m_fields=[cooperating_units])

    class Meta:
        ordering = ["plan", "number_sort"]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="keytask_unique_number_per_plan"),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("start_date")), name="keytask_deadline_after_start"
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="keytask_weight_positive"),
            models.CheckConstraint(
                condition=models.Q(target_value__isnull=True) | models.Q(target_value__gte=0),
                name="keytask_target_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        self.number_sort = number_sort_key(self.number)
        if kwargs.get("update_fields") is not None and "number" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "number_sort"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("key_task_detail", args=[self.pk])

    @property
    def has_target(self) -> bool:
        return self.target_value is not None


class Assignment(models.Model):
    """A key task as one unit carries it (承办任务; in the UI always 承办任务, never 任务分解)."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")

    key_task = models.ForeignKey(
        KeyTask, verbose_name=_("key task"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_assignments",
    )
    deadline = models.DateField(_("deadline"))
    # The deadline before any approved extension: assessments may count against it.
    original_deadline = models.DateField(_("original deadline"))
    progress = models.PositiveSmallIntegerField(
        _("approved progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    actual_value = models.DecimalField(_("actual value"), max_digits=12, decimal_places=2, null=True, blank=True)
    # Share of this unit in the key task's progress (a lead unit may weigh more than a cooperating one).
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    completed_at = models.DateField(_("completed on"), null=True, blank=True)
    last_approved_report = models.ForeignKey(
        "tasks.ProgressReport",
        verbose_name=_("last approved report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_approved_at = models.DateField(_("last approved on"), null=True, blank=True)
    # 上级要点 → 本级要点: a higher committee's key task given to a lower committee, answered by key tasks of the lower
    # committee's plan (CascadeLink). Its progress, completion and last approval are theirs, kept by
    # tasks.services.cascade; nobody reports on it (最多报一次).
    is_cascaded = models.BooleanField(_("answered by the lower committee's key tasks"), default=False, editable=False)
    # The warning light as tasks.rules.compute_light gives it on `light_on`, stored so that lists and counts read a
    # column. tasks.services.lights keeps it current (after every write, after midnight, on a read that finds it
    # computed for another day or with other settings); nothing else writes it.
    light = models.CharField(
        _("light"), max_length=10, choices=Light.choices, default=Light.GREEN, editable=False, db_index=True
    )
    light_on = models.DateField(_("light computed for"), null=True, editable=False, db_index=True)
    # Optimistic locking: every write goes through a service that bumps this and refuses a stale one.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # The light is derived, not a change anybody made: it stays out of the change history.
    history = HistoricalRecords(bases=[IPAddressHistoricalModel], excluded_fields=["light", "light_on"])

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["key_task", "unit"], name="assignment_unique_unit_per_task"),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0, progress__lte=100), name="assignment_progress_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(status="completed", completed_at__isnull=False)
                | models.Q(status="in_progress", completed_at__isnull=True),
                name="assignment_completed_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(actual_value__isnull=True) | models.Q(actual_value__gte=0),
                name="assignment_actual_not_negative",
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="assignment_weight_positive"),
        ]
        indexes = [models.Index(fields=["unit", "deadline"]), models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return f"{self.key_task.number} · {self.unit.label}"

    def save(self, *args, **kwargs):
        if self.deadline is None and self.key_task_id:
            self.deadline = self.key_task.deadline
        if self.original_deadline is None:
            self.original_deadline = self.deadline
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("assignment_detail", args=[self.pk])

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def start_date(self):
        return self.key_task.start_date


class LightBasis(models.Model):
    """What the stored lights were computed with: a fingerprint of the light's settings and the working-day
    overrides. One row; when the fingerprint of the running settings differs, every light is computed again."""

    fingerprint = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("basis of the stored lights")
        verbose_name_plural = _("basis of the stored lights")

    def __str__(self):
        return self.fingerprint


class PlanTally(models.Model):
    """A plan's assignments counted (tasks.services.tallies): by light, key task, weight and month due and completed,
    and by light and unit, with their progress sums. The dashboard and the roll-up read these few thousand numbers
    instead of grouping every assignment of the plan on each view. Marked stale in the transaction of any write to
    the plan's assignments, counted again once it commits (or by the next read, whichever comes first)."""

    plan = models.OneToOneField(AnnualPlan, on_delete=models.CASCADE, primary_key=True, related_name="tally")
    stale = models.BooleanField(default=True)
    by_key_task = models.JSONField(default=list)
    by_unit = models.JSONField(default=list)
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan tally")
        verbose_name_plural = _("plan tallies")

    def __str__(self):
        return f"{self.plan_id}"


class CascadeLink(models.Model):
    """One key task of a lower committee's plan answering a higher committee's assignment to that committee
    (上级要点 → 本级要点). The assignment's progress is the weighted progress of its linked key tasks."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="cascade_links"
    )
    key_task = models.ForeignKey(
        KeyTask, verbose_name=_("key task"), on_delete=models.CASCADE, related_name="cascade_answers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        ordering = ["assignment", "key_task__number_sort"]
        verbose_name = _("cascade link")
        verbose_name_plural = _("cascade links")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "key_task"], name="cascadelink_unique_key_task"),
        ]

    def __str__(self):
        return f"{self.assignment} → {self.key_task.number}"
