from tasks import access
from tasks.models import InboxMessage


def navigation(request):
    """What the navigation bar needs: the user's role and unread inbox count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_committee": access.is_committee(user),
        "nav_can_review": access.can_review(user),
        "nav_unread_count": InboxMessage.objects.filter(user=user, read_at__isnull=True).count(),
    }
