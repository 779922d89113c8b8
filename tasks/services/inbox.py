from tasks.models import InboxMessage


def inbox_message_create(*, user, title: str, body: str = "", url: str = "", reminder=None) -> InboxMessage:
    return InboxMessage.objects.create(user=user, title=title[:200], body=body, url=url, reminder=reminder)


def inbox_mark_read(*, user, message_ids=None) -> int:
    from django.utils import timezone

    messages = InboxMessage.objects.filter(user=user, read_at__isnull=True)
    if message_ids is not None:
        messages = messages.filter(pk__in=message_ids)
    return messages.update(read_at=timezone.now())
