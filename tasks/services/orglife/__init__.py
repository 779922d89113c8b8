"""Organisational life (组织生活): the roster, party groups, meeting types and meeting records of a branch."""

from tasks.services.orglife.meetings import meeting_file_delete, meeting_record_create, meeting_record_update
from tasks.services.orglife.roster import party_group_create, party_member_create, party_member_update
from tasks.services.orglife.types import meeting_type_save

__all__ = [
    "meeting_file_delete",
    "meeting_record_create",
    "meeting_record_update",
    "meeting_type_save",
    "party_group_create",
    "party_member_create",
    "party_member_update",
]
