from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class AdminDuty(models.TextChoices):
        """三员分立: one field, so "no account holds two duties" is a fact of the database, not a rule."""

        NONE = "", _("none")
        SYSTEM = "system", _("system administrator")
        SECURITY = "security", _("security administrator")
        AUDIT = "audit", _("audit administrator")

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class EmailMode(models.TextChoices):
        DAILY = "daily", _("one e-mail a day with everything due")
        EACH = "each", _("one e-mail per reminder")

    # The in-app inbox is always on; e-mail is the user's choice.
    notify_by_email = models.BooleanField(_("send me e-mail reminders"), default=True)
    reminder_email_mode = models.CharField(
        _("e-mail reminders"), max_length=10, choices=EmailMode.choices, default=EmailMode.DAILY
    )
    quiet_days_off = models.BooleanField(
        _("quiet on weekends and holidays"),
        default=True,
        help_text=_("E-mails written on a day off, except urges, wait until 09:00 of the next working day."),
    )
    admin_duty = models.CharField(
        _("administrator duty"),
        max_length=10,
        choices=AdminDuty.choices,
        blank=True,
        default="",
        help_text=_("System, security or audit administrator (三员分立). Gives no access to party work data."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    must_change_password = models.BooleanField(
        _("must change password"), default=False, help_text=_("Asked to choose a new password before anything else.")
    )
    # Set by seed_demo: a printed demo password is refused at login outside DEBUG (tasks.security.backends).
    has_demo_password = models.BooleanField(_("has a demo password"), default=False, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A superuser holds every duty at once, which 三员分立 forbids.
            models.CheckConstraint(
                condition=models.Q(admin_duty="") | models.Q(is_superuser=False), name="user_duty_not_superuser"
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        password_set = self._password is not None
        update_fields = kwargs.get("update_fields")
        if password_set and update_fields is not None and "password" in update_fields:
            kwargs["update_fields"] = {
                *update_fields,
                "password_changed_at",
                "must_change_password",
                "has_demo_password",
            }
        super().save(*args, **kwargs)
        if password_set:
            from tasks.models.security import PasswordHistory

            PasswordHistory.objects.create(user=self, password=self.password)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False
        self.has_demo_password = False

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("party committee")
        GENERAL_BRANCH = "general_branch", _("general party branch")
        BRANCH = "branch", _("party branch")
        DEPARTMENT = "department", _("department")

    class Robot(models.TextChoices):
        NONE = "", _("none")
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    robot_kind = models.CharField(_("group robot"), max_length=10, choices=Robot.choices, blank=True, default="")
    robot_webhook_url = models.URLField(_("robot webhook URL"), max_length=500, blank=True)
    robot_secret = models.CharField(
        _("robot signing secret"), max_length=200, blank=True, help_text=_("DingTalk 加签 secret, if enabled")
    )

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="orgunit_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        COMMITTEE = "committee", _("committee member")
        SECRETARY = "secretary", _("secretary")
        WORKER = "worker", _("party-affairs worker")
        MEMBER = "member", _("member")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["unit", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
