"""Reminders sent at once, each alone, rather than in a scan's bundle: an urge (催办), a returned report, a
published plan, an answered difficulty. Every one goes through `reminder_notify`, so it gets the outbox, the
unique key, the retries and the sweep. Adding such a kind is one entry in `kinds.KINDS` (immediate=True)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import Assignment, DifficultyAnswer, ProgressReport, Reminder, Urge
from tasks.rules import local_today
from tasks.selectors.urges import urge_summary
from tasks.services.common import require, require_plan_open
from tasks.services.reminders.audience import Audience
from tasks.services.reminders.kinds import is_immediate
from tasks.services.reminders.outbox import existing_keys, fan_out, reminders_store
from tasks.services.reminders.texts import TaskInfo, difficulty_answered_texts, returned_subject, urge_texts

Kind = Reminder.Kind


def reminder_notify(
    *,
    kind: str,
    period: str,
    subject: str,
    body: str = "",
    url: str = "",
    user_ids=(),
    unit_ids=(),
    assignment_id: int | None = None,
    audience: Audience | None = None,
) -> list[Reminder]:
    """Tell these people (and these units' group robots) at once, each message alone: the inbox now, e-mail
    and robots after commit (an e-mail of a kind that quiet mode holds waits for a working day if written on
    a day off). `period` makes the (assignment, kind, recipient, channel, period) key unique: the same call
    twice writes nothing the second time."""
    if not is_immediate(kind):
        raise ValueError(f"{kind} is not sent at once: the daily scan bundles it")
    audience = audience or Audience.load()
    rows = fan_out(
        audience=audience,
        assignment_id=assignment_id,
        kind=kind,
        period=period,
        subject=subject,
        body=body,
        url=url,
        user_ids=user_ids,
        unit_ids=unit_ids,
    )
    known = existing_keys([row.dedup_key for row in rows])
    return reminders_store([row for row in rows if row.dedup_key not in known], audience=audience)


def reminder_returned_notify(*, report: ProgressReport) -> list[Reminder]:
    """Tell the author at once that their report was returned and why (inbox now, e-mail after commit)."""
    assignment = Assignment.objects.select_related("key_task", "unit").get(pk=report.assignment_id)
    info = TaskInfo.of(assignment)
    return reminder_notify(
        kind=Kind.RETURNED,
        assignment_id=assignment.pk,
        period=f"report{report.pk}",
        subject=returned_subject(info),
        body=report.review_comment,
        url=info.url + f"#report-{report.pk}",
        user_ids=[report.author_id],
    )


def reminder_difficulty_answered_notify(*, answer: DifficultyAnswer) -> list[Reminder]:
    """Tell the report's author, and the assignment's owner if someone else, how the committee answered the
    difficulty they raised (inbox now, e-mail after commit). One message per answer."""
    report = answer.report
    assignment = Assignment.objects.select_related("key_task", "unit").get(pk=report.assignment_id)
    info = TaskInfo.of(assignment)
    subject, body = difficulty_answered_texts(
        info, state=answer.get_state_display(), who=answer.answered_by.display_name, answer=answer.body
    )
    return reminder_notify(
        kind=Kind.DIFFICULTY_ANSWERED,
        assignment_id=assignment.pk,
        period=f"difficulty{answer.pk}",
        subject=subject,
        body=body,
        url=info.url + f"#report-{report.pk}",
        user_ids=list(dict.fromkeys(pk for pk in (report.author_id, assignment.owner_id) if pk)),
    )


def assignment_urge(*, assignment: Assignment, urged_by, message: str = "") -> Urge:
    """催办: sent at once, holidays included, to the owner and the unit's secretary (and the unit's robot). At most
    one a working day per assignment (tasks.selectors.urges): a second is refused with when the last one went."""
    require(access.can_urge(urged_by, assignment))
    message = message.strip()[:500]
    with transaction.atomic():
        # The lock makes two members pressing at once one urge and one refusal, not two urges.
        assignment = Assignment.objects.select_for_update().select_related("key_task", "unit").get(pk=assignment.pk)
        require_plan_open(assignment.key_task.plan_id)
        if assignment.is_completed:
            raise ValidationError(_("This assignment is already completed: there is nothing to urge."), code="done")
        summary = urge_summary(assignment)
        if not summary.may_urge_on(local_today()):
            raise ValidationError(
                _("Already urged on %(when)s by %(who)s; urges so far: %(count)d. The next urge can go on %(next)s.")
                % {
                    "when": timezone.localtime(summary.last_at).strftime("%Y-%m-%d %H:%M"),
                    "who": summary.last_by,
                    "count": summary.count,
                    "next": summary.next_day.isoformat(),
                },
                code="urged_today",
            )
        urge = Urge.objects.create(assignment=assignment, urged_by=urged_by, message=message)
        audience = Audience.load()
        info = TaskInfo.of(assignment)
        subject, body = urge_texts(info, who=urged_by.display_name, message=message)
        reminder_notify(
            kind=Kind.URGE,
            assignment_id=assignment.pk,
            period=f"urge{urge.pk}",
            subject=subject,
            body=body,
            url=info.url,
            user_ids=([assignment.owner_id] if assignment.owner_id else [])
            + audience.secretaries.get(assignment.unit_id, []),
            unit_ids=[assignment.unit_id],
            audience=audience,
        )
        audit_record(action=Action.URGE, user=urged_by, obj=assignment, detail={"message": message})
    return urge
