"""Other apps' admins registered again with the duty rule in front (三员分立; tasks.security.duties): groups
and permissions are the system administrator's, with celery beat's schedules; lockouts the security
administrator's."""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from tasks.admin.permissions import ChinesePermissionsMixin
from tasks.security.duties import DutyAdminMixin

# django-axes names its app "Axes" in every language; the security administrator reads 登录锁定.
apps.get_app_config("axes").verbose_name = _("Login lockouts")


class GroupAdmin(DutyAdminMixin, ChinesePermissionsMixin, auth_admin.GroupAdmin):
    pass


class AccessAttemptAdmin(DutyAdminMixin, axes_admin.AccessAttemptAdmin):
    pass


class AccessLogAdmin(DutyAdminMixin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(DutyAdminMixin, axes_admin.AccessFailureLogAdmin):
    pass


class PeriodicTaskAdmin(DutyAdminMixin, beat_admin.PeriodicTaskAdmin):
    """django-celery-beat's admin, whose enable / disable / toggle actions update rows in bulk: here each task is
    saved, so that each change is audited (tasks.audit.watched) like one made in the form."""

    change_form_template = "admin/tasks/periodictask_change_form.html"

    def _save_each(self, request, queryset, change, message) -> None:
        count = 0
        for task in queryset:
            change(task)
            task.save()
            count += 1
        self.message_user(request, message(count).format(count))

    @admin.action(description=gettext_lazy("Enable selected tasks"))
    def enable_tasks(self, request, queryset):
        self._save_each(
            request,
            queryset,
            lambda task: setattr(task, "enabled", True),
            lambda n: ngettext("{0} task was successfully enabled", "{0} tasks were successfully enabled", n),
        )

    @admin.action(description=gettext_lazy("Disable selected tasks"))
    def disable_tasks(self, request, queryset):
        def disable(task):
            task.enabled, task.last_run_at = False, None

        self._save_each(
            request,
            queryset,
            disable,
            lambda n: ngettext("{0} task was successfully disabled", "{0} tasks were successfully disabled", n),
        )

    @admin.action(description=gettext_lazy("Toggle activity of selected tasks"))
    def toggle_tasks(self, request, queryset):
        self._save_each(
            request,
            queryset,
            lambda task: setattr(task, "enabled", not task.enabled),
            lambda n: ngettext("{0} task was successfully toggled", "{0} tasks were successfully toggled", n),
        )


class ClockedScheduleAdmin(DutyAdminMixin, beat_admin.ClockedScheduleAdmin):
    pass


class CrontabScheduleAdmin(DutyAdminMixin, beat_admin.CrontabScheduleAdmin):
    pass


class SolarScheduleAdmin(DutyAdminMixin, beat_admin.SolarScheduleAdmin):
    pass


class IntervalScheduleAdmin(DutyAdminMixin, beat_admin.IntervalScheduleAdmin):
    pass


for model, model_admin in [
    (Group, GroupAdmin),
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (PeriodicTask, PeriodicTaskAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
]:
    if admin.site.is_registered(model):  # axes registers its admins only when AXES_ENABLE_ADMIN
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
