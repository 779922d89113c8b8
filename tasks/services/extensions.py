"""Extensions (延期): asked before the deadline passes, decided by a committee member.

Only an approved request moves the assignment's deadline; `original_deadline` keeps the first one.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import Assignment, ExtensionRequest
from tasks.services.common import StaleWriteError, require, require_plan_open
from tasks.services.inbox import inbox_message_create
from tasks.services.lights import lights_refresh
from tasks.services.webhooks import webhook_extension_decided


def extension_request_create(
    *,
    assignment: Assignment,
    requested_by,
    requested_deadline: dt.date,
    reason: str,
    expected_version: int | None = None,
    now=None,
) -> ExtensionRequest:
    require(access.can_report(requested_by, assignment))
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        require_plan_open(assignment.key_task.plan_id)
        if expected_version is not None and assignment.version != expected_version:
            raise StaleWriteError
        errors: dict[str, list[str]] = {}
        if assignment.is_completed:
            raise ValidationError(_("This assignment is already completed."))
        if today > assignment.deadline:
            raise ValidationError(_("The deadline has passed: an extension must be asked for before the deadline."))
        if assignment.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
            raise ValidationError(_("An extension request for this assignment is already waiting for a decision."))
        if requested_deadline is None or requested_deadline <= assignment.deadline:
            errors["requested_deadline"] = [_("The new deadline must be later than the current one.")]
        elif requested_deadline.year > assignment.key_task.plan.year + 1:
            errors["requested_deadline"] = [_("The new deadline must fall within the plan year or the next one.")]
        if not reason.strip():
            errors["reason"] = [_("Say why more time is needed.")]
        if errors:
            raise ValidationError(errors)
        extension = ExtensionRequest.objects.create(
            assignment=assignment,
            requested_by=requested_by,
            reason=reason.strip(),
            current_deadline=assignment.deadline,
            requested_deadline=requested_deadline,
            current_progress=assignment.progress,
            created_at=now,
        )
        audit_record(action=Action.EXTENSION, user=requested_by, obj=extension, detail={"to": requested_deadline})
        return extension


def extension_request_decide(
    *, extension: ExtensionRequest, decided_by, approve: bool, comment: str = "", now=None
) -> ExtensionRequest:
    require(access.can_decide_extension(decided_by, extension.assignment))
    if not approve and not comment.strip():
        raise ValidationError({"decision_comment": [_("Say why the extension is refused.")]})
    now = now or timezone.now()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("key_task").get(pk=extension.assignment_id)
        require_plan_open(assignment.key_task.plan_id)
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        if extension.state != ExtensionRequest.State.PENDING:
            raise ValidationError(_("This extension request has already been decided."), code="stale")
        extension.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
        extension.decided_by = decided_by
        extension.decision_comment = comment.strip()
        extension.decided_at = now
        extension.save()
        if approve:
            assignment.deadline = extension.requested_deadline
            assignment.version += 1
            assignment.save(update_fields=["deadline", "version"])
            lights_refresh(assignment)
        key_task = assignment.key_task
        inbox_message_create(
            user=extension.requested_by,
            title=(_("Extension approved: %(task)s") if approve else _("Extension refused: %(task)s"))
            % {"task": f"{key_task.number} {key_task.title}"},
            body=extension.decision_comment,
            url=assignment.get_absolute_url(),
        )
        audit_record(action=Action.REVIEW, user=decided_by, obj=extension, detail={"decision": extension.state})
        webhook_extension_decided(extension)
    return extension
