"""Difficulties and help needed (困难和需协调事项): any report may name some; the committee answers them,
已协调 (coordinated: help is arranged) or 已解决 (resolved), and the report's author and the assignment's owner
are told at once (the `difficulty_answered` reminder kind). A coordinated difficulty may be resolved later."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import DifficultyAnswer, ProgressReport
from tasks.services.common import require, require_plan_open

ANSWER_MAX_LENGTH = 2000


def difficulty_answer(*, report: ProgressReport, answered_by, state: str, body: str, now=None) -> DifficultyAnswer:
    visible = access.visible_reports(answered_by).filter(pk=report.pk).exists()
    require(visible and access.can_answer_difficulty(answered_by, report.assignment))
    body = body.strip()
    errors: dict[str, list[str]] = {}
    if state not in ProgressReport.Difficulty.values:
        errors["state"] = [_("Choose coordinated or resolved.")]
    if not body:
        errors["body"] = [_("Say what was done about the difficulty.")]
    elif len(body) > ANSWER_MAX_LENGTH:
        errors["body"] = [_("At most %(max)d characters.") % {"max": ANSWER_MAX_LENGTH}]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        report = (
            ProgressReport.objects.select_for_update(of=("self",))
            .select_related("assignment__key_task")
            .get(pk=report.pk)
        )
        require_plan_open(report.assignment.key_task.plan_id)
        if not report.obstacles:
            raise ValidationError(_("This report names no difficulty."))
        if report.state == ProgressReport.State.RETURNED:
            raise ValidationError(_("This report was returned: answer the difficulty on its correction."))
        if report.difficulty_state == ProgressReport.Difficulty.RESOLVED:
            raise ValidationError(_("This difficulty is already resolved."), code="stale")
        if report.difficulty_state == state:
            raise ValidationError(
                {
                    "state": [
                        _("This difficulty is already marked %(state)s.")
                        % {"state": report.get_difficulty_state_display()}
                    ]
                }
            )
        old = report.difficulty_state
        answer = DifficultyAnswer.objects.create(
            report=report, state=state, body=body, answered_by=answered_by, answered_at=now
        )
        # Not the report's version: that guards the review, which an answer does not change.
        report.difficulty_state = state
        report.save(update_fields=["difficulty_state"])
        from tasks.services.reminders import reminder_difficulty_answered_notify

        reminder_difficulty_answered_notify(answer=answer)
        audit_record(
            action=Action.REVIEW,
            user=answered_by,
            obj=report,
            detail={"difficulty": state, "changes": {"difficulty_state": [old, state]}},
        )
    return answer
