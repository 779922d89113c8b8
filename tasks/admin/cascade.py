"""上级要点 → 本级要点 (CascadeLink) in the admin: read-only, rows limited by tasks.access like organisational life.

Read-only because a link is one part of a lower committee's whole answer, which tasks.services.cascade.cascade_link_set
writes at once on the assignment page: it checks who answers (access.can_link_cascade) and that every key task is of
that committee's open plan of the year, replaces the set, marks the assignment cascaded, audits before → after, and
makes the assignment's progress, completion and light those of the linked key tasks (cascade_sync). A row added or
deleted here would skip all of that (a link to a sister's key task, an assignment left cascaded with no link, a
progress that no longer matches), and the service has no "unlink the last one" to call instead. So the admin reads
links; the assignment page (its box 上级要点 → 本级要点) changes them.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tasks import access
from tasks.admin.permissions import ReadOnlyAdminMixin, VisibleRowsMixin
from tasks.models import CascadeLink
from tasks.security.duties import DutyAdminMixin


@admin.register(CascadeLink)
class CascadeLinkAdmin(DutyAdminMixin, VisibleRowsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    visible = staticmethod(access.visible_cascade_links)
    list_display = ["higher_committee", "assignment", "key_task", "created_by", "created_at"]
    list_select_related = ["assignment__key_task__plan__committee", "assignment__unit", "key_task", "created_by"]
    search_fields = [
        "assignment__key_task__number",
        "assignment__key_task__title",
        "assignment__unit__name",
        "key_task__number",
        "key_task__title",
    ]
    list_filter = [("assignment__unit", admin.RelatedOnlyFieldListFilter)]
    fields = ["higher_committee", "assignment", "key_task", "created_by", "created_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description=_("higher committee"), ordering="assignment__key_task__plan__committee__name")
    def higher_committee(self, link):
        return link.assignment.key_task.plan.committee
