"""Units and people by the names typed in the file, and who owns a unit's assignment by default."""

from tasks.models import Membership, OrgUnit, User


class Directory:
    """Units and people by name, loaded once; a name must match exactly one."""

    def __init__(self):
        self.units: dict[str, list[OrgUnit]] = {}
        for unit in OrgUnit.objects.filter(is_active=True):
            for name in {unit.name, unit.short_name} - {""}:
                self.units.setdefault(name, []).append(unit)
        self.people: dict[str, list[User]] = {}
        for user in User.objects.filter(is_active=True):
            for name in {user.full_name, user.username} - {""}:
                self.people.setdefault(name, []).append(user)
        self.unit_members: dict[int, set[int]] = {}
        self.secretaries: dict[int, int] = {}
        ranks = {Membership.Role.SECRETARY: 0, Membership.Role.WORKER: 1}
        best: dict[int, tuple[int, int]] = {}
        for unit_id, user_id, role in (
            Membership.objects.filter(user__is_active=True).values_list("unit_id", "user_id", "role").order_by("id")
        ):
            self.unit_members.setdefault(unit_id, set()).add(user_id)
            if role in ranks and (unit_id not in best or ranks[role] < best[unit_id][0]):
                best[unit_id] = (ranks[role], user_id)
        self.secretaries = {unit_id: user_id for unit_id, (_, user_id) in best.items()}
