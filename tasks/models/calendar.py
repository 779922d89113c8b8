from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkdayOverride(models.Model):
    """A date whose working status differs from what chinese-calendar (or plain weekends) says.

    Used for years the package does not know yet: the State Council publishes next year's holidays
    in November, often before a package release.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"))
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("e.g. 春节 or 调休上班"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")

    def __str__(self):
        return f"{self.date} {self.note}"
