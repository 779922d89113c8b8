"""Reads of the two homes and of the assignment page's edges: the secretary's counts (逾期 / 预警 / 本月待反馈)
that open the filtered list, the committee's home (review queue and red list), and whom to contact when an
extension can no longer be asked."""

from tasks.models import Assignment, Membership, User

CONTACTS_SHOWN = 3


def extension_contacts(assignment: Assignment) -> list[User]:
    """Who can help when the deadline has passed: the key task's responsible leader, else the committee."""
    leader = assignment.key_task.responsible_leader
    if leader is not None and leader.is_active:
        return [leader]
    committee = (
        User.objects.filter(is_active=True, memberships__role=Membership.Role.COMMITTEE)
        .distinct()
        .order_by("full_name", "username")
    )
    return list(committee[:CONTACTS_SHOWN])
