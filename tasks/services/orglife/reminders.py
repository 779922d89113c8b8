"""Organisational life in the daily reminder scan (tasks.services.reminders.scan.SOURCES): one item per duty not
met, to the branch's secretaries (and its group robot), bundled with everything else they get that day.

- due soon (MEETING_DUE): once per occurrence, when its period enters its last working days (yellow);
- not held (MEETING_MISSED): once per occurrence, in the first weeks after its period ended without a record.
Each is keyed by branch, type, party group and period, so however often the scan runs it is written once.
A branch whose roster is not in the app yet still owes its meetings: its lines say so too, and lead to the roster
import (a record lists who attended, so the roster comes first).
"""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks.models import OrgUnit, PartyMember, Reminder
from tasks.rules import Light, WorkCalendar
from tasks.selectors.orglife import occurrences_for
from tasks.services.reminders.audience import Audience
from tasks.services.reminders.outbox import fan_out

# A duty missed longer ago than this is on the branch's page and the committee's matrix, not in the reminders
# (a branch that starts using the app in June is not told about January).
MISSED_REMINDED_DAYS = 31


def _texts(unit: str, label: str, period, light: Light, *, has_roster: bool) -> tuple[str, str]:
    values = {"unit": unit, "duty": f"{period.label}{label}", "end": f"{period.end:%m-%d}"}
    if light == Light.RED:
        subject = _("%(unit)s: %(duty)s was not held") % values
        body = (
            _(
                "No record of %(duty)s of %(unit)s: if it was held, record it; if not, hold it and record it as soon "
                "as possible."
            )
            % values
        )
    else:
        subject = _("%(unit)s: %(duty)s is due by %(end)s") % values
        body = _("%(duty)s of %(unit)s has no record yet; its period ends on %(end)s.") % values
    if not has_roster:
        body += " " + _(
            "The roster of %(unit)s is not in the app yet: import it first (组织生活 › 党员名册 › 导入), then "
            "record the meeting with its attendance."
        ) % {"unit": unit}
    return subject, body


def orglife_reminders(*, today: dt.date, calendar: WorkCalendar, audience: Audience) -> list[Reminder]:
    branches = (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, is_active=True)
        .annotate(has_roster=Exists(PartyMember.objects.filter(unit=OuterRef("pk"))))
        .values_list("id", "name", "short_name", "has_roster")
    )
    units, without_roster = {}, set()
    for unit_id, name, short, has_roster in branches:
        units[unit_id] = short or name
        if not has_roster:
            without_roster.add(unit_id)
    if not units:
        return []
    rows: list[Reminder] = []
    years = {today.year, (today - dt.timedelta(days=MISSED_REMINDED_DAYS)).year}
    for year in sorted(years):
        found = occurrences_for(unit_ids=list(units), year=year, today=today, calendar=calendar)
        for unit_id, occurrences in found.items():
            secretaries = audience.secretaries.get(unit_id, [])
            for occurrence in occurrences:
                if occurrence.light == Light.YELLOW:
                    kind = Reminder.Kind.MEETING_DUE
                elif occurrence.light == Light.RED and (today - occurrence.period.end).days <= MISSED_REMINDED_DAYS:
                    kind = Reminder.Kind.MEETING_MISSED
                else:
                    continue
                has_roster = unit_id not in without_roster
                subject, body = _texts(
                    units[unit_id], occurrence.label, occurrence.period, occurrence.light, has_roster=has_roster
                )
                group = occurrence.party_group.pk if occurrence.party_group else 0
                rows += fan_out(
                    audience=audience,
                    assignment_id=None,
                    kind=kind,
                    period=f"ol{unit_id}:{occurrence.meeting_type.pk}:{group}:{occurrence.period.key}",
                    subject=subject,
                    body=body,
                    url=reverse("meeting_list" if has_roster else "roster_import", args=[unit_id]),
                    user_ids=secretaries,
                    unit_ids=[unit_id],
                )
    return rows
