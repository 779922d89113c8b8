from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models.history import IPAddressHistoricalModel

# Saves that only note a login, or nothing a person changed: no change record, no audit row (django-axes and
# Django's login write last_login on every login).
BOOKKEEPING_ONLY = frozenset({"last_login"})


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
    # A system (the 智慧党建 platform, the big screen), not a person: it uses the REST API with tokens the system
    # administrator creates for it, and never logs in (no password, no single sign-on).
    is_service_account = models.BooleanField(
        _("service account"),
        default=False,
        help_text=_("Another system using the API with tokens; it cannot log in. Its work roles decide what it sees."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    must_change_password = models.BooleanField(
        _("must change password"), default=False, help_text=_("Asked to choose a new password before anything else.")
    )
    # Set by seed_demo: a printed demo password is refused at login outside DEBUG (tasks.security.backends).
    has_demo_password = models.BooleanField(_("has a demo password"), default=False, editable=False)

    # Who changed an account, and what (等保): the password hash stays out of the history, the password change is
    # its own audit row; a login is not a change.
    history = HistoricalRecords(bases=[IPAddressHistoricalModel], excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A superuser holds every duty at once, which 三员分立 forbids.
            models.CheckConstraint(
                condition=models.Q(admin_duty="") | models.Q(is_superuser=False), name="user_duty_not_superuser"
            ),
            # A service account is a system's: no administrator duty, no admin site, no superuser power.
            models.CheckConstraint(
                condition=models.Q(is_service_account=False)
                | models.Q(admin_duty="", is_staff=False, is_superuser=False),
                name="user_service_account_no_power",
            ),
        ]

    def __str__(self):
        return self.display_name

    def clean(self):
        super().clean()
        if self.is_service_account and (self.admin_duty or self.is_staff or self.is_superuser):
            from django.core.exceptions import ValidationError

            raise ValidationError(
                _("A service account cannot hold an administrator duty, staff status or superuser status.")
            )

    def save(self, *args, **kwargs):
        password_set = self._password is not None
        existed = not self._state.adding
        update_fields = kwargs.get("update_fields")
        if password_set and update_fields is not None and "password" in update_fields:
            kwargs["update_fields"] = {
                *update_fields,
                "password_changed_at",
                "must_change_password",
                "has_demo_password",
            }
        if update_fields is not None and set(update_fields) <= BOOKKEEPING_ONLY:
            # simple-history skips a save while this attribute exists (whatever its value).
            self.skip_history_when_saving = True
            try:
                super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        else:
            super().save(*args, **kwargs)
        if password_set:
            from tasks.models.feeds import CalendarFeedToken, new_feed_token
            from tasks.models.security import PasswordHistory

            PasswordHistory.objects.create(user=self, password=self.password)
            if existed:
                # The calendar address is a second way in to the user's deadlines: a new password, after a leak
                # or a handover, closes it too (the user finds the new address on the Excel and Word page).
                CalendarFeedToken.objects.filter(user=self).update(token=new_feed_token(), created_at=timezone.now())

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False
        self.has_demo_password = False

    # The fields a name is shown from: lists of hundreds of people read these and call display_name_of, without
    # loading each account.
    DISPLAY_FIELDS = ("full_name", "first_name", "last_name", "username")

    @property
    def display_name(self) -> str:
        return User.display_name_of(self.full_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def display_name_of(full_name: str, first_name: str, last_name: str, username: str) -> str:
        """The full name (姓名), else first and last name, else the login name."""
        return full_name or f"{first_name} {last_name}".strip() or username


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

    # The audit rows made from these records say only that a robot's secret or webhook changed (tasks.audit.changes).
    history = HistoricalRecords(bases=[IPAddressHistoricalModel])

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="orgunit_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    LABEL_FIELDS = ("short_name", "name")

    @property
    def label(self) -> str:
        return OrgUnit.label_of(self.short_name, self.name)

    @staticmethod
    def label_of(short_name: str, name: str) -> str:
        """A unit as lists and tables name it: its short name, else its name."""
        return short_name or name


class Membership(models.Model):
    class Role(models.TextChoices):
        COMMITTEE = "committee", _("committee member")
        SECRETARY = "secretary", _("secretary")
        WORKER = "worker", _("party-affairs worker")
        # Reviews the progress reports of the unit and the units below it, and sees their work to do so.
        REVIEWER = "reviewer", _("reviewer")
        MEMBER = "member", _("member")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    history = HistoricalRecords(bases=[IPAddressHistoricalModel])

    class Meta:
        ordering = ["unit", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class AdministratorAccount(User):
    """The accounts that hold an administrator duty, as the security administrator sees them: to reset their
    passwords (三员分立: never the system administrator, never one's own). The same rows as User."""

    class Meta:
        proxy = True
        verbose_name = _("administrator account")
        verbose_name_plural = _("administrator accounts")
