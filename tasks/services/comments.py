from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import Comment, KeyTask
from tasks.services.common import require, require_plan_open

COMMENT_MAX_LENGTH = 2000


def comment_create(*, key_task: KeyTask, author, body: str, assignment=None) -> Comment:
    require(access.visible_key_tasks(author).filter(pk=key_task.pk).exists())
    if assignment is not None:
        require(
            assignment.key_task_id == key_task.pk
            and access.visible_assignments(author).filter(pk=assignment.pk).exists()
        )
    require_plan_open(key_task.plan_id)
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError({"body": [_("At most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}]})
    return Comment.objects.create(key_task=key_task, assignment=assignment, author=author, body=body)
