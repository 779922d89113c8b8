from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models.files import StoredFile
from tasks.models.history import IPAddressHistoricalModel
from tasks.models.plans import Assignment, KeyTask


class ProgressReport(models.Model):
    """进展反馈: one unit's report on one assignment; moves progress only once approved."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    class Difficulty(models.TextChoices):
        """The committee's answer to the difficulties a report names; none yet (blank) means still open."""

        COORDINATED = "coordinated", _("coordinated")
        RESOLVED = "resolved", _("resolved")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    percent = models.PositiveSmallIntegerField(_("progress (%)"), validators=[MaxValueValidator(100)])
    actual_value = models.DecimalField(_("actual value"), max_digits=12, decimal_places=2, null=True, blank=True)
    narrative = models.TextField(_("progress description"), max_length=5000)
    obstacles = models.TextField(_("difficulties and help needed"), max_length=3000, blank=True)
    decrease_reason = models.CharField(_("reason for lower progress"), max_length=500, blank=True)
    # Blank with obstacles written: the difficulty waits for the committee (待协调). Answers: DifficultyAnswer.
    difficulty_state = models.CharField(
        _("difficulty state"), max_length=20, choices=Difficulty.choices, blank=True, default=""
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    # A resubmission after a return points at the report it corrects; both stay in the history.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrections",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_reports",
    )
    review_comment = models.TextField(_("review comment"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # 最多报一次: a meeting already recorded as organisational life is the report's evidence, not typed again.
    meetings = models.ManyToManyField(
        "tasks.MeetingRecord",
        verbose_name=_("meeting records as evidence"),
        blank=True,
        related_name="progress_reports",
    )

    history = HistoricalRecords(bases=[IPAddressHistoricalModel])

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__gte=0, percent__lte=100), name="report_percent_0_100"),
            models.CheckConstraint(
                condition=models.Q(actual_value__isnull=True) | models.Q(actual_value__gte=0),
                name="report_actual_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(state="submitted") | models.Q(reviewer__isnull=False, reviewed_at__isnull=False),
                name="report_reviewed_has_reviewer",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["assignment", "state"]),
            # A key task's timeline reads its newest reviews by their own time (a recent review of an old report):
            # walked backwards and stopped after a page, like submitted_at, not a sort of the key task's 6,000.
            models.Index(fields=["reviewed_at"], name="report_reviewed_at"),
            # The dashboard's open difficulties (difficulty_open), newest first: walked in order and stopped after
            # a page, instead of reading every report that ever named one (a scan of 600,000 at provincial scale).
            models.Index(
                fields=["-submitted_at", "-id"],
                condition=models.Q(difficulty_state="") & ~models.Q(obstacles="") & ~models.Q(state="returned"),
                name="report_difficulty_open",
            ),
        ]

    def __str__(self):
        return f"{self.assignment} · {self.percent}%"

    @property
    def difficulty_open(self) -> bool:
        """Names difficulties the committee has not answered yet. A returned report's difficulties travel
        with its correction (the resubmit form starts from them), so they are not open on their own."""
        return bool(self.obstacles) and not self.difficulty_state and self.state != self.State.RETURNED

    @property
    def difficulty_answerable(self) -> bool:
        """The committee may still answer: open, or coordinated and not yet resolved."""
        return (
            bool(self.obstacles)
            and self.state != self.State.RETURNED
            and self.difficulty_state != self.Difficulty.RESOLVED
        )


class DifficultyAnswer(models.Model):
    """The committee's answer to a report's difficulties (困难和需协调事项): 已协调 or 已解决, with what was done.
    A difficulty may be coordinated first and resolved later; every answer stays."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="difficulty_answers"
    )
    state = models.CharField(_("state"), max_length=20, choices=ProgressReport.Difficulty.choices)
    body = models.TextField(_("answer"), max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        ordering = ["answered_at", "id"]
        verbose_name = _("answer to a difficulty")
        verbose_name_plural = _("answers to difficulties")

    def __str__(self):
        return f"{self.report} · {self.get_state_display()}"


class Evidence(StoredFile):
    """佐证材料 of a progress report."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="evidence"
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    # Types a browser shows by itself without running anything of the file's: these open in the page or a tab
    # (Content-Disposition inline), everything else downloads. The type is the sniffed one, not the uploader's.
    INLINE_TYPES = ("image/jpeg", "image/png", "application/pdf")

    @property
    def opens_inline(self) -> bool:
        return self.content_type in self.INLINE_TYPES

    @property
    def is_image(self) -> bool:
        return self.opens_inline and self.content_type.startswith("image/")


class Comment(models.Model):
    key_task = models.ForeignKey(KeyTask, verbose_name=_("key task"), on_delete=models.CASCADE, related_name="comments")
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.body[:40]


class ExtensionRequest(models.Model):
    """延期申请: only an approved request moves the assignment's deadline."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    current_deadline = models.DateField(_("current deadline"))
    requested_deadline = models.DateField(_("requested deadline"))
    current_progress = models.PositiveSmallIntegerField(_("current progress (%)"), validators=[MaxValueValidator(100)])
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_comment = models.TextField(_("decision comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    history = HistoricalRecords(bases=[IPAddressHistoricalModel])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_deadline__gt=models.F("current_deadline")),
                name="extension_moves_deadline_later",
            ),
            models.CheckConstraint(
                condition=models.Q(current_progress__gte=0, current_progress__lte=100),
                name="extension_progress_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.assignment} → {self.requested_deadline}"
