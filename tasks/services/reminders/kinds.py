"""What each kind of reminder is, in one table: sent at once or bundled, how urgent (the order of a bundle's
sections and of its subject), shown item by item or as counts by unit, and its words in a bundle.

Adding a kind is one entry here (plus its value in `Reminder.Kind`). An immediate kind is sent through
`immediate.reminder_notify`, which refuses a kind that is not marked immediate here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tasks.models import Reminder

Kind = Reminder.Kind


@dataclass(frozen=True)
class KindSpec:
    kind: str
    urgency: int  # lower first: a bundle's sections and its subject's counts follow this order
    immediate: bool = False  # sent at once, alone, holidays included (never waits for a scan's bundle)
    by_unit: bool = False  # a bundle shows counts by unit (leaders, reviewers), not one line per item
    heading: object = ""  # the section's heading in a bundle
    count: object = ""  # "%(n)d overdue", for the bundle's subject
    quiet: bool = True  # with quiet mode, an e-mail written on a day off waits for the next working day


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            Kind.OVERDUE,
            10,
            heading=_("Overdue"),
            count=ngettext_lazy("%(n)d overdue", "%(n)d overdue", "n"),
        ),
        KindSpec(
            Kind.ESCALATION,
            20,
            by_unit=True,
            heading=_("Escalated to you: overdue 10 working days or more"),
            count=ngettext_lazy("%(n)d escalated", "%(n)d escalated", "n"),
        ),
        KindSpec(
            Kind.DUE_SOON,
            30,
            heading=_("Due soon"),
            count=ngettext_lazy("%(n)d due soon", "%(n)d due soon", "n"),
        ),
        KindSpec(
            Kind.REPORT_DUE,
            40,
            heading=_("Monthly report due"),
            count=ngettext_lazy("%(n)d monthly report due", "%(n)d monthly reports due", "n"),
        ),
        KindSpec(
            Kind.REVIEW_PENDING,
            50,
            by_unit=True,
            heading=_("Reports waiting for your review"),
            count=ngettext_lazy("%(n)d report to review", "%(n)d reports to review", "n"),
        ),
        # Organisational life (tasks.services.orglife.reminders): one line per duty not met.
        KindSpec(
            Kind.MEETING_MISSED,
            15,
            heading=_("Organisational life not held"),
            count=ngettext_lazy("%(n)d meeting not held", "%(n)d meetings not held", "n"),
        ),
        KindSpec(
            Kind.MEETING_DUE,
            35,
            heading=_("Organisational life due soon"),
            count=ngettext_lazy("%(n)d meeting due soon", "%(n)d meetings due soon", "n"),
        ),
        KindSpec(
            Kind.WEEKLY_DIGEST,
            60,
            heading=_("Weekly digest"),
            count=_("weekly digest"),
        ),
        # Sent at once, each on its own.
        KindSpec(Kind.URGE, 0, immediate=True, quiet=False),  # the committee pressed "urge": holidays included
        KindSpec(Kind.RETURNED, 1, immediate=True),
        KindSpec(Kind.PLAN_PUBLISHED, 2, immediate=True),
        KindSpec(Kind.DIFFICULTY_ANSWERED, 3, immediate=True),
    )
}


def spec(kind: str) -> KindSpec:
    return KINDS[kind]


def is_immediate(kind: str) -> bool:
    return KINDS[kind].immediate
