"""Units and people by the names typed in the file, and who owns a unit's assignment by default."""

import re

from tasks import access
from tasks.models import Membership, OrgUnit, User

# What plans write for "every branch" (各党支部, 全体支部, 所有党支部, 各基层党支部 ...): a word for all or each,
# an optional 基层, an optional 党, then 支部. A unit's own name always wins (a unit called 各支部 is that unit).
ALL_BRANCHES = re.compile(r"^(各|全体|所有|全部)(基层)?(党)?支部$")


def means_every_branch(name: str) -> bool:
    return bool(ALL_BRANCHES.match(re.sub(r"\s+", "", name)))


class Directory:
    """Units and people by name, loaded once; a name must match exactly one. With `committee_id`, the units are
    that committee's subtree (a plan assigns work below its committee only) and the committee is the one at the top.
    Its branches (各党支部) are its own: a 工委's "every branch" leaves out the branches of the bureaus below it,
    which get its key tasks through their committees (上级要点 → 本级要点), not once per branch."""

    def __init__(self, committee_id: int | None = None):
        self.units: dict[str, list[OrgUnit]] = {}
        # Every active branch (党支部) of the committee, for 各党支部 and the like; the committees at the top, one of
        # which leads a key task that every branch carries.
        self.branches: list[OrgUnit] = []
        self.top_committees: list[OrgUnit] = []
        self.committees_below = False  # the committee has committees below it (their branches are not its own)
        self._load_units(committee_id)
        self.people: dict[str, list[User]] = {}
        self.names: dict[int, str] = {}
        for user in User.objects.filter(is_active=True):
            self.names[user.pk] = user.display_name
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

    def _load_units(self, committee_id: int | None) -> None:
        units = OrgUnit.objects.filter(is_active=True).order_by("sort_order", "name")
        tree = {}
        if committee_id is not None:
            tree = access.unit_tree()
            units = units.filter(pk__in=access.descendant_unit_ids([committee_id]))
        for unit in units:
            for name in {unit.name, unit.short_name} - {""}:
                self.units.setdefault(name, []).append(unit)
            if unit.kind == OrgUnit.Kind.BRANCH:
                if committee_id is None or access.committee_of(unit.pk, tree) == committee_id:
                    self.branches.append(unit)
            elif unit.kind == OrgUnit.Kind.COMMITTEE:
                if unit.pk == committee_id or (committee_id is None and unit.parent_id is None):
                    self.top_committees.append(unit)
                elif committee_id is not None:
                    self.committees_below = True
